"""Forms of the enterprises app's pages: ``visits``, ``problems`` (one per workflow step) and
``work_reports``."""
