"""Pages of the problems (企业诉求): the list with its clocks, and one problem with its steps."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.scoping import get_scoped_object_or_404, scope_queryset

from ..choices import ProblemClock
from ..forms.problems import ACTION_FORMS, ProblemFilterForm
from ..models import Problem
from ..selectors.problems import (
    ACTIONS,
    ClockState,
    clock_days,
    list_problems,
    problem_clocks,
    problem_permissions,
)
from ..services.problems import (
    assign_problem,
    confirm_problem,
    give_feedback,
    reject_solution,
    solve_problem,
)

PAGE_SIZE = 50

# Title, button and colour of each step's form, in the order they are shown.
STEPS = {
    "feedback": (_("Give feedback to the enterprise"), _("Record the feedback"), "primary"),
    "solve": (_("Write the resolution"), _("Record the resolution"), "success"),
    "confirm": (_("Confirm the solution"), _("Confirm"), "success"),
    "reject": (_("Send the solution back"), _("Send back"), "outline-danger"),
    "assign": (_("Assign to a department"), _("Assign"), "danger"),
}
SUCCESS = {
    "assign": _("The problem is assigned."),
    "feedback": _("The feedback is recorded."),
    "solve": _("The resolution is recorded; it now awaits the enterprise's confirmation."),
    "confirm": _("The solution is confirmed: the problem is resolved."),
    "reject": _("The solution is sent back to the department."),
}
CLOCK_HEADERS = {
    ProblemClock.ASSIGN: _("Assign"),
    ProblemClock.FEEDBACK: _("Feedback"),
    ProblemClock.SOLVE: _("Solve"),
}


@dataclass(frozen=True)
class ProblemRow:
    """A problem on the list with its clocks."""

    problem: Problem
    clocks: tuple[ClockState, ...]


def clock_text(clock: ClockState) -> str:
    """Return a clock's badge as the list shows it (enterprises/problem_clock.html)."""
    if clock.state == "met":
        return str(_("Done on time"))
    if clock.state == "running":
        if clock.days_left:
            return _("%(days)s d left") % {"days": clock.days_left}
        return str(_("Due today"))
    if clock.done:
        return _("Done %(days)s d late") % {"days": clock.days_late}
    return _("%(days)s d overdue") % {"days": clock.days_late}


def _category_text(row: ProblemRow) -> str:
    problem = row.problem
    if problem.severity == "major":
        return f"{problem.get_category_display()} {problem.get_severity_display()}"
    return problem.get_category_display()


def _status_text(row: ProblemRow) -> str:
    problem = row.problem
    if getattr(problem, "overdue_rank", None) == 0:
        return f"{problem.get_status_display()} {_('Overdue')}"
    return problem.get_status_display()


def _clock_column(index: int, label) -> Column:
    return Column(label, lambda row: clock_text(row.clocks[index]))


# The list's columns, as on the screen (the Excel download uses the same).
PROBLEM_COLUMNS = [
    Column(_("Raised on"), attr("problem.raised_on")),
    Column(_("Enterprise"), attr("problem.enterprise.name")),
    Column(_("Category"), _category_text),
    Column(_("Department"), attr("problem.department.name")),
    Column(_("Status"), _status_text),
    *(_clock_column(index, label) for index, label in enumerate(CLOCK_HEADERS.values())),
    Column(_("Due"), attr("problem.due_on")),
]


@dataclass(frozen=True)
class StepForm:
    """A step the user may take on the problem, with its form."""

    action: str
    form: object
    title: str
    button: str
    colour: str


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def problem_list(request):
    """List the problems, overdue first, with their clocks; filtered by department and status."""
    form = ProblemFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    # Keep the filters that are valid even if another one is not.
    filters = getattr(form, "cleaned_data", {})
    today = timezone.localdate()
    problems = scope_queryset(
        list_problems(
            department=filters.get("department"),
            enterprise=filters.get("enterprise"),
            status=filters.get("status", ""),
            today=today,
        ),
        request.user,
    )
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Enterprise problems"),
            filename=f"{_('Enterprise problems')}-{today:%Y-%m-%d}",
            columns=PROBLEM_COLUMNS,
            rows=(ProblemRow(problem, problem_clocks(problem, today)) for problem in problems),
        )
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [ProblemRow(problem, problem_clocks(problem, today)) for problem in page]
    return render(
        request,
        "enterprises/problem_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "enterprise": filters.get("enterprise"),
            "clock_headers": list(CLOCK_HEADERS.values()),
            "days": clock_days(),
            "query": _query_without_page(request),
        },
    )


def _perform(action: str, problem: Problem, data: dict, user, now) -> None:
    common = {"problem": problem, "acting_user": user, "now": now}
    if action == "assign":
        assign_problem(department=data["department"], on=data["on"], **common)
    elif action == "feedback":
        give_feedback(note=data["note"], on=data["on"], **common)
    elif action == "solve":
        solve_problem(resolution=data["resolution"], on=data["on"], **common)
    elif action == "confirm":
        confirm_problem(satisfaction=data["satisfaction"], on=data["on"], **common)
    else:
        reject_solution(note=data["note"], **common)


def _step_form(action: str, *, data=None, today, user):
    return ACTION_FORMS[action](data, auto_id=f"id_{action}_%s", initial={"on": today}, user=user)


@login_required
def problem_detail(request, pk):
    """Show a problem with its clocks and history, and the steps the user may take."""
    problem = get_scoped_object_or_404(
        Problem.objects.select_related("enterprise", "department", "raised_by", "visit"),
        request.user,
        pk=pk,
    )
    now = timezone.now()
    today = timezone.localdate(now)
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS or action not in problem_permissions(
            request.user, problem, ignore_status=True
        ):
            raise PermissionDenied
        form = _step_form(action, data=request.POST, today=today, user=request.user)
        if form.is_valid():
            try:
                _perform(action, problem, form.cleaned_data, request.user, now)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, SUCCESS[action])
                return redirect("problems:detail", pk=problem.pk)
        else:
            messages.error(request, _("The step is not recorded: correct the form below."))
        bound[action] = form
    allowed = problem_permissions(request.user, problem)
    steps = [
        StepForm(
            action=action,
            form=bound.get(action) or _step_form(action, today=today, user=request.user),
            title=title,
            button=button,
            colour=colour,
        )
        for action, (title, button, colour) in STEPS.items()
        if action in allowed
    ]
    return render(
        request,
        "enterprises/problem_detail.html",
        {
            "problem": problem,
            "clocks": problem_clocks(problem, today),
            "events": problem.events.select_related("by").order_by("at", "id"),
            "steps": steps,
        },
    )
