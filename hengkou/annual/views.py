"""The pages of the year's plan (/year/plans/) and of the turn of the year (/year/turn/)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..selectors.year_turn import get_next_year, list_drafts, list_turns
from ..services import year_turn as turns
from .forms import DraftAssignmentForm, SeedForm, StartForm
from .models import AnnualPlan, DraftAssignment, PlanGoal, YearTurn


@login_required
def plans(request):
    """Show the annual work plans, latest first, each with its goals per indicator."""
    shown = AnnualPlan.objects.prefetch_related(
        Prefetch("goals", queryset=PlanGoal.objects.order_by("pk"))
    ).order_by("-year")
    return render(request, "hengkou/annual_plans.html", {"plans": shown})


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _turn_url(turn: YearTurn | None) -> str:
    url = reverse("annual:turn")
    return f"{url}?year={turn.year}" if turn else url


def _start(request):
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new year as a number, e.g. 2022."))
        return redirect(_turn_url(None))
    turn = turns.start_year_turn(
        year=form.cleaned_data["year"], acting_user=request.user, today=timezone.localdate()
    )
    messages.success(request, _("The year %(year)s is started as drafts.") % {"year": turn.year})
    return redirect(_turn_url(turn))


def _seed(request, turn):
    form = SeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return
    data = form.cleaned_data
    rate = data["rate"] / Decimal(100)
    department = data["department"]
    turns.set_growth_rates(
        turn=turn,
        rates={} if department else {data["metric"]: rate},
        department_rates=[(department, data["metric"], rate)] if department else [],
    )
    seeded = turns.seed_targets(turn=turn, metrics=[data["metric"]], acting_user=request.user)
    messages.success(request, _("%(count)s draft targets seeded.") % {"count": seeded})


def _targets(request, turn):
    values = {}
    for target in turn.targets.all():
        given = request.POST.get(f"target-{target.pk}")
        if given not in (None, "") and given != str(target.value):
            values[(target.enterprise_id, target.metric)] = given
    written = turns.set_draft_targets(turn=turn, values=values, acting_user=request.user)
    messages.success(request, _("%(count)s draft targets changed.") % {"count": written})


def _drop(request, turn):
    draft = get_object_or_404(DraftAssignment, turn=turn, pk=request.POST.get("draft") or 0)
    turns.drop_draft_assignment(draft=draft)
    messages.success(request, _("%(name)s is dropped.") % {"name": draft.enterprise.name})


def _confirm(request, turn):
    turns.confirm_year_turn(turn=turn, acting_user=request.user, now=timezone.now())
    messages.success(request, _("The year %(year)s is confirmed.") % {"year": turn.year})


def _discard(request, turn):
    turns.discard_year_turn(turn=turn)
    messages.success(request, _("The drafts of %(year)s are discarded.") % {"year": turn.year})


ACTIONS = {
    "seed": _seed,
    "targets": _targets,
    "drop": _drop,
    "confirm": _confirm,
    "discard": _discard,
}
# The actions that need a permission beyond the page's, with the message refusing them.
NEEDS = {
    "confirm": (
        "hengkou.confirm_yearturn",
        _("Only the leading office confirms a turn of the year."),
    ),
    "discard": (
        "hengkou.delete_yearturn",
        _("Only the leading office discards a turn of the year."),
    ),
}


def _post(request):
    action = request.POST.get("action", "")
    turn_row = None
    try:
        if action == "start":
            return _start(request)
        turn_row = get_object_or_404(YearTurn, pk=request.POST.get("turn") or 0)
        permission, refusal = NEEDS.get(action, (None, ""))
        if permission and not request.user.has_perm(permission):
            messages.error(request, refusal)
        elif action in ACTIONS:
            ACTIONS[action](request, turn_row)
            if action == "discard":
                turn_row = None
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect(_turn_url(turn_row))


@login_required
def turn(request):
    """Start the new year, review its drafts (seed, adjust, drop, add) and confirm them."""
    if request.method == "POST":
        return _post(request)
    shown = list_turns()
    year = request.GET.get("year", "")
    chosen = (shown.filter(year=year).first() if year.isdigit() else None) or shown.first()
    next_year = get_next_year()
    context = {
        "turns": shown,
        "turn": chosen,
        "drafts": list_drafts(chosen) if chosen else [],
        "next_year": next_year,
        "start_form": StartForm(initial={"year": next_year}),
        "seed_form": SeedForm(),
        "rates": chosen.rates.select_related("department").order_by(
            "metric", F("department__code").asc(nulls_first=True)
        )
        if chosen
        else [],
    }
    return render(request, "hengkou/year_turn.html", context)


@login_required
def draft(request, turn_pk: int, pk: int = 0):
    """Add an enterprise to a turn's drafts (pk 0), or change one draft assignment."""
    turn_row = get_object_or_404(YearTurn, pk=turn_pk)
    instance = get_object_or_404(DraftAssignment, turn=turn_row, pk=pk) if pk else None
    form = DraftAssignmentForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in turns.EDITABLE}
        try:
            if instance is None:
                turns.add_draft_assignment(
                    turn=turn_row,
                    enterprise=form.enterprise,
                    team=form.cleaned_data["team"],
                    **fields,
                )
            else:
                turns.update_draft_assignment(
                    draft=instance, team=form.cleaned_data["team"], **fields
                )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("The draft is saved."))
            return redirect(_turn_url(turn_row))
    return render(
        request,
        "hengkou/year_turn_draft.html",
        {"turn": turn_row, "draft": instance, "form": form},
    )
