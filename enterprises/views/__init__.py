"""Pages of the enterprises app: ``my`` enterprises, ``visits``, the ``enterprise`` page, visit-duty
``compliance``, ``problems``, ``work_reports``, the ``zone`` record lists and the industry
``chain``. Their URLs are in ``enterprises/urls.py``."""
