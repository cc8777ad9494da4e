"""Views of the officials' pages: my enterprises, visit logging, the enterprise page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Prefetch, Value, When
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_GET

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.periods import parse_period
from core.scoping import get_scoped_object_or_404, scope_queryset

from .forms import RaisedProblemFormSet, VisitForm
from .models import Assignment, Department, Enterprise, Official, Problem, Visit
from .selectors.duties import (
    HEAD_MONTHLY,
    LEADER_QUARTERLY,
    RESPONSIBLE_WEEKLY,
    get_compliance_default_month,
    get_visit_compliance,
    scope_compliance,
)
from .selectors.sponsorship import get_latest_assignment_year, is_involved, list_my_assignments
from .services.visits import (
    RaisedProblem,
    discard_pending_photos,
    get_pending_photos,
    keep_pending_photos,
    official_of,
    pending_photo_token,
    record_visit,
)

ROLE_LABELS = {
    "leader": gettext_lazy("as leader"),
    "head": gettext_lazy("as department head"),
    "responsible": gettext_lazy("as responsible person"),
}
VISIT_KIND_LABELS = {
    "leader": gettext_lazy("Quarterly visit"),
    "head": gettext_lazy("Monthly visit"),
}


def _roles_text(item) -> str:
    return " · ".join(
        str(ROLE_LABELS.get(role, gettext_lazy("in the team"))) for role in item.roles
    )


def _duties_text(item) -> str:
    """Return the card's duties as one line each: the visit, its window, done or days left."""
    lines = []
    for duty in item.duties:
        kind = VISIT_KIND_LABELS.get(duty.role, gettext_lazy("Weekly visit"))
        if duty.met:
            state = _("done")
        else:
            state = ngettext(
                "due, %(days)s day left", "due, %(days)s days left", duty.days_left
            ) % {"days": duty.days_left}
        window = f"{duty.window.start:%m-%d}–{duty.window.end:%m-%d}"
        lines.append(f"{kind} ({window}): {state}")
    return "\n".join(lines)


# The cards of "my enterprises" as columns (the Excel download).
MY_ENTERPRISE_COLUMNS = [
    Column(gettext_lazy("Enterprise"), attr("assignment.enterprise.name")),
    Column(gettext_lazy("Department"), attr("assignment.department.name")),
    Column(gettext_lazy("Roles"), _roles_text),
    Column(gettext_lazy("Visit duties"), _duties_text),
    Column(gettext_lazy("Last visit"), attr("last_visit")),
    Column(gettext_lazy("Open problems"), attr("open_problems")),
    Column(gettext_lazy("Month"), attr("latest_period")),
    Column(gettext_lazy("Output (10k CNY)"), attr("latest_output")),
]


@login_required
def my_enterprises(request):
    """Show the official's enterprises with this window's duties, last visit and problems."""
    official = official_of(request.user)
    today = timezone.localdate()
    items = list_my_assignments(official=official, year=today.year, today=today) if official else []
    # No assignment this year: point to the latest year's duties rather than an empty page.
    latest_year = (
        get_latest_assignment_year(official=official, before=today.year)
        if official and not items
        else None
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("My enterprises"),
            filename=f"{_('My enterprises')}-{today:%Y-%m-%d}",
            columns=MY_ENTERPRISE_COLUMNS,
            rows=items,
        )
    return render(
        request,
        "enterprises/my_enterprises.html",
        {"official": official, "items": items, "today": today, "latest_year": latest_year},
    )


def _suggested_participants(enterprise: Enterprise, year: int) -> list[Official]:
    """Return the people of the enterprise's assignment: leader, head, responsible, team."""
    assignment = (
        Assignment.objects.filter(enterprise=enterprise, year=year)
        .select_related("leader", "responsible", "department")
        .prefetch_related("team")
        .first()
    )
    if assignment is None:
        return []
    people = [assignment.leader, assignment.responsible, *assignment.team.all()]
    head = Official.objects.filter(
        department_id=assignment.department_id, rank="department_head"
    ).first()
    if head:
        people.insert(1, head)
    unique = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def _kept_photos(request, form, *, now) -> list:
    """Return the photos kept from the form's previous try, less those the user removed."""
    try:
        kept = get_pending_photos(
            user=request.user, tokens=request.POST.getlist("kept_photos"), now=now
        )
        removed = get_pending_photos(
            user=request.user, tokens=request.POST.getlist("remove_photos"), now=now
        )
    except ValidationError as error:
        form.add_error(None, error)
        return []
    discard_pending_photos(removed)
    return [photo for photo in kept if photo not in removed]


@login_required
def visit_new(request, pk):
    """Log a visit to an enterprise in under a minute, with problems raised on the spot."""
    enterprise = get_scoped_object_or_404(Enterprise, request.user, pk=pk)
    today = timezone.localdate()
    me = official_of(request.user)
    suggested = _suggested_participants(enterprise, today.year)
    kept = []
    if request.method == "POST":
        now = timezone.now()
        form = VisitForm(request.POST, request.FILES, today=today)
        problems = RaisedProblemFormSet(
            request.POST, prefix="problems", form_kwargs={"user": request.user}
        )
        kept = _kept_photos(request, form, now=now)
        if form.is_valid() and problems.is_valid():
            try:
                record_visit(
                    enterprise=enterprise,
                    visited_on=form.cleaned_data["visited_on"],
                    participants=list(form.cleaned_data["participants"]),
                    kind=form.cleaned_data["kind"],
                    notes=form.cleaned_data["notes"],
                    problems=[RaisedProblem(**data) for data in problems.cleaned_data if data],
                    photos=form.cleaned_data["photos"],
                    kept_photos=kept,
                    acting_user=request.user,
                    today=today,
                    now=now,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("The visit to %(name)s is recorded.") % {"name": enterprise.name}
                )
                return redirect("enterprises:my_enterprises")
        # The form comes back: the photos just chosen are kept with the others for the next try.
        if form.cleaned_data.get("photos"):
            try:
                kept += keep_pending_photos(
                    user=request.user, photos=form.cleaned_data["photos"], now=now
                )
            except ValidationError as error:
                form.add_error("photos", error)
    else:
        form = VisitForm(
            initial={"visited_on": today, "participants": [me.pk] if me else []}, today=today
        )
        problems = RaisedProblemFormSet(prefix="problems", form_kwargs={"user": request.user})
    chosen = {str(value) for value in (form["participants"].value() or [])}
    extra = Official.objects.filter(pk__in=chosen - {str(o.pk) for o in suggested}).select_related(
        "department"
    )
    return render(
        request,
        "enterprises/visit_form.html",
        {
            "enterprise": enterprise,
            "form": form,
            "problems": problems,
            "suggested": suggested,
            "extra_participants": extra,
            "chosen": chosen,
            "today": today,
            "kept_photos": [(pending_photo_token(photo), photo) for photo in kept],
            "involved": request.user.is_superuser
            or is_involved(me, enterprise_id=enterprise.pk, year=today.year),
        },
    )


@login_required
@require_GET
def official_search(request):
    """Return up to 20 officials whose name or department matches ``q``, as JSON."""
    term = request.GET.get("q", "").strip()
    if not term:
        return JsonResponse({"results": []})
    officials = (
        Official.objects.filter(name__icontains=term)
        .select_related("department")
        .order_by("name")[:20]
    )
    return JsonResponse(
        {
            "results": [
                {"id": o.pk, "name": o.name, "department": o.department.name} for o in officials
            ]
        }
    )


@login_required
def enterprise_detail(request, pk):
    """Show an enterprise: its sponsorship, latest figures, problems and visit history."""
    today = timezone.localdate()
    enterprise = get_scoped_object_or_404(
        Enterprise.objects.prefetch_related("titles"), request.user, pk=pk
    )
    assignment = (
        Assignment.objects.filter(enterprise=enterprise, year__lte=today.year)
        .select_related("leader", "responsible", "department")
        .prefetch_related("team")
        .order_by("-year")
        .first()
    )
    reports = list(enterprise.monthly_reports.order_by("-period")[:12])
    problems = list(
        Problem.objects.filter(enterprise=enterprise)
        .select_related("department")
        .order_by(Case(When(status="resolved", then=Value(1)), default=Value(0)), "-raised_on")[:50]
    )
    visits = list(
        Visit.objects.filter(enterprise=enterprise)
        .prefetch_related(Prefetch("participants", queryset=Official.objects.order_by("name")))
        .prefetch_related("photos")
        .order_by("-visited_on", "-id")[:30]
    )
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "assignment": assignment,
            "reports": reports,
            "problems": problems,
            "visits": visits,
            "today": today,
        },
    )


DUTY_LABELS = {
    LEADER_QUARTERLY: gettext_lazy("Leader, each quarter"),
    HEAD_MONTHLY: gettext_lazy("Department head, each month"),
    RESPONSIBLE_WEEKLY: gettext_lazy("Responsible person, each week"),
}

# The duties table of the compliance page, as on the screen (the Excel download uses the same).
COMPLIANCE_COLUMNS = [
    Column(gettext_lazy("Enterprise"), attr("enterprise_name")),
    Column(gettext_lazy("Official"), attr("official_name")),
    Column(gettext_lazy("Duty"), lambda line: DUTY_LABELS[line.duty]),
    Column(gettext_lazy("Met"), lambda line: f"{line.met}/{line.required}"),
    Column(gettext_lazy("Missed"), attr("missed")),
    Column(pgettext_lazy("duty windows still running", "Due"), attr("due")),
]


def _compliance_query(request):
    """Return the month shown, why the one asked for was refused, the default month and today.

    With no month asked for, the default is the latest with duties and a visit the user sees.
    """
    today = timezone.localdate()

    def default():
        visits = scope_queryset(Visit.objects.all(), request.user)
        return get_compliance_default_month(visits=visits, today=today)

    if not request.GET.get("period"):
        chosen = default()
        return chosen.value, None, chosen, today
    try:
        return parse_period(request.GET["period"]), None, None, today
    except ValidationError as exc:
        return default().value, " ".join(exc.messages), None, today


@login_required
def compliance(request, official_id=None):
    """Show visit-duty compliance for a month: by department, missed duties, or one official."""
    period, error, default, today = _compliance_query(request)
    department_id = request.GET.get("department", "")
    department_id = int(department_id) if department_id.isdigit() else None
    data = scope_compliance(
        get_visit_compliance(year=period.year, months=[period.month], today=today), request.user
    )
    # The lines name the departments of the user's assignments even when the user sees no
    # department's totals (an official).
    department_ids = {row.department_id for row in data.departments}
    department_ids |= {line.department_id for line in data.lines}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=department_ids)}
    lines = data.lines
    official = None
    if official_id is not None:
        official = get_scoped_object_or_404(
            Official.objects.select_related("department"), request.user, pk=official_id
        )
        lines = [line for line in lines if line.official_id == official.pk]
    elif department_id:
        lines = [line for line in lines if line.department_id == department_id]
        lines = sorted(lines, key=lambda line: (line.missed == 0, line.enterprise_name))
    else:
        lines = sorted(
            (line for line in lines if line.missed),
            key=lambda line: (departments[line.department_id].code, line.enterprise_name),
        )
    rows = [
        {"department": departments[row.department_id], "totals": row}
        for row in sorted(data.departments, key=lambda row: departments[row.department_id].code)
    ]
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Visit duties"),
            filename=f"{_('Visit duties')}-{period:%Y-%m}",
            columns=COMPLIANCE_COLUMNS,
            rows=lines,
        )
    return render(
        request,
        "enterprises/compliance.html",
        {
            "period": period,
            "default_period": default,
            "error": error,
            "rows": rows,
            "lines": lines,
            "official": official,
            "department_id": department_id,
            "departments": departments,
            "duty_labels": DUTY_LABELS,
            "query": request.GET.urlencode(),
        },
    )
