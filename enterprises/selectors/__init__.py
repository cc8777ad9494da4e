"""Reads of the enterprises app, one module per subject.

``sponsorship`` (who works on which assignment, my enterprises), ``duties`` (the visit duties of
domain.md and who met them), ``problems`` (the 13710 clocks and the lists), ``work_reports``
(the board), ``zone`` (the record lists of the rest of the article), ``chain`` (the industry
chain).
"""
