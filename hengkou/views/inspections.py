"""The quarterly inspections page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.scoping import scope_queryset

from ..forms import InspectionForm, year_from
from ..models import Inspection
from ..selectors.defaults import get_inspection_default_year
from ..services.inspections import record_inspection

INSPECTION_COLUMNS = [
    Column(gettext_lazy("Quarter"), lambda inspection: f"Q{inspection.quarter}"),
    Column(gettext_lazy("Department"), attr("department.name")),
    Column(gettext_lazy("Enterprise"), attr("assignment.enterprise.name")),
    Column(gettext_lazy("Findings"), attr("findings")),
    Column(gettext_lazy("Score"), attr("score")),
]


@login_required
def inspection_list(request):
    """List the quarterly inspections of a year and record a new one."""
    today = timezone.localdate()
    visible = scope_queryset(Inspection.objects.all(), request.user)
    form_year, year, default = year_from(
        request, default=lambda: get_inspection_default_year(inspections=visible, today=today)
    )
    can_add = request.user.has_perm("hengkou.add_inspection")
    form = InspectionForm(initial={"year": year, "inspected_on": today})
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = InspectionForm(request.POST)
        if form.is_valid():
            inspection = record_inspection(acting_user=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("The inspection of %(department)s is recorded.")
                % {"department": inspection.department.name},
            )
            return redirect(f"{reverse('inspection_list')}?year={inspection.year}")
    inspections = (
        visible.filter(year=year)
        .select_related("department", "assignment__enterprise", "inspector")
        .order_by("-quarter", "department__code", "-inspected_on")
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Quarterly inspections %(year)s") % {"year": year},
            filename=_("Quarterly inspections %(year)s") % {"year": year},
            columns=INSPECTION_COLUMNS,
            rows=inspections,
        )
    return render(
        request,
        "hengkou/inspection_list.html",
        {
            "year_form": form_year,
            "year": year,
            "default_period": default,
            "inspections": inspections,
            "form": form,
            "can_add": can_add,
        },
    )
