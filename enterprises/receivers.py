"""Keep the department totals in step with assignments and targets saved through the ORM.

Every form, admin page and API view saves one assignment or target at a time through the ORM;
these receivers refresh the department slices it touched, inside the same transaction. A saved
department gets new stamps on its rows (a rename changes the stored rankings that name it). Bulk
writes send no signals: the imports call ``enterprises.services.aggregates.refresh_years``.
A visit photo's file goes with its row, however the row goes (core.images).
"""

from django.db.models.signals import post_delete, post_save, pre_save

from core.images import delete_files_with_rows

from .models import Assignment, Department, DepartmentYtd, Target, VisitPhoto
from .services import aggregates

_BEFORE = "_department_ytd_before"


def _remember(sender, instance, raw=False, **kwargs):
    if not raw:
        setattr(instance, _BEFORE, aggregates.stored_keys(instance))


def _refresh(sender, instance, raw=False, **kwargs):
    if not raw:
        aggregates.refresh_after_write(instance, getattr(instance, _BEFORE, None))


def _restamp(sender, instance, raw=False, **kwargs):
    # A renamed department changes the rankings that print its name: new stamps on its rows
    # change the fingerprint of every stored ranking it appears in.
    if not raw:
        DepartmentYtd.objects.filter(department=instance).update(stamp=aggregates.new_stamp())


def connect() -> None:
    """Connect the receivers (EnterprisesConfig.ready)."""
    delete_files_with_rows(VisitPhoto)
    for model in (Assignment, Target):
        uid = f"enterprises.department_ytd.{model._meta.model_name}"
        pre_save.connect(_remember, sender=model, dispatch_uid=f"{uid}.pre", weak=False)
        post_save.connect(_refresh, sender=model, dispatch_uid=f"{uid}.save", weak=False)
        post_delete.connect(_refresh, sender=model, dispatch_uid=f"{uid}.delete", weak=False)
    post_save.connect(
        _restamp, sender=Department, dispatch_uid="enterprises.department_ytd.department"
    )
