"""Writes of the enterprises app, one module per subject.

``figures`` (monthly reports and the one year-to-date rollup), ``visits``, ``problems`` (the
13710 workflow), ``work_reports``, ``cultivation`` (recording detected candidates).
"""
