"""Writes of the site's workflows, one module per workflow; their names are offered here too.

``close`` (the monthly close and its reopen), ``notices`` (督办: response, acceptance, reminders),
``reminders`` (visit duties, monthly figures, missed problem clocks), ``inspections``
(一季一督查) and ``member_snapshots`` (the drill-down frozen at the close).
"""

from .close import CloseResult, bulletin_recipients, close_month, list_ranked_metrics, reopen_month
from .inspections import record_inspection
from .notices import close_notice, respond_to_notice, send_notice_reminders
from .reminders import escalate_problems, send_duty_reminders, send_report_reminders

__all__ = [
    "CloseResult",
    "bulletin_recipients",
    "close_month",
    "close_notice",
    "escalate_problems",
    "list_ranked_metrics",
    "record_inspection",
    "reopen_month",
    "respond_to_notice",
    "send_duty_reminders",
    "send_notice_reminders",
    "send_report_reminders",
]
