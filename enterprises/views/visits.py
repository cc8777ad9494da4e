"""Pages of the visits: logging a visit with the problems raised and the photos taken, and the
officials' search of its participant picker."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.offline import allow_offline_copy
from core.scoping import get_scoped_object_or_404

from ..forms.visits import RaisedProblemFormSet, VisitForm
from ..models import Enterprise, Official
from ..selectors.sponsorship import is_involved, list_suggested_participants
from ..services.visits import (
    RaisedProblem,
    VisitAlreadyRecorded,
    discard_pending_photos,
    find_recorded_visit,
    get_pending_photos,
    keep_pending_photos,
    official_of,
    pending_photo_token,
    record_visit,
)


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


def _record(request, form, problems, *, enterprise, kept, today, now):
    """Record the posted visit through the service.

    Return ``(visit, replayed)``, or None when the form was refused (its errors added to it).
    """
    if not (form.is_valid() and problems.is_valid()):
        return None
    try:
        visit = record_visit(
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
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except VisitAlreadyRecorded as replay:
        return replay.visit, True
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    return visit, False


def _wants_json(request) -> bool:
    """Return whether the client asked for JSON (the phone sending a visit kept offline)."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _recorded_answer(visit, *, replayed: bool) -> JsonResponse:
    """Answer a draft sent by script: 201 for a visit recorded now, 200 for one recorded before."""
    return JsonResponse(
        {
            "status": "already_recorded" if replayed else "recorded",
            "visit": visit.pk,
            "url": reverse("enterprises:enterprise_detail", args=[visit.enterprise_id])
            + f"#visit-{visit.pk}",
            "enterprise": visit.enterprise.name,
            "visited_on": visit.visited_on.isoformat(),
        },
        status=200 if replayed else 201,
        json_dumps_params={"ensure_ascii": False},
    )


def _refused_answer(form, problems) -> JsonResponse:
    """Answer a draft sent by script that was refused: 400 with every message, field by field.

    ``errors`` maps each field (``__all__`` for the form as a whole, ``problems-N-field`` for a
    problem) to its messages; ``messages`` is the same as readable lines, labels first.
    """
    errors, lines = {}, []

    def add(name, label, found):
        errors[name] = list(found)
        lines.extend(f"{label}: {error}" if label else error for error in found)

    for field, found in form.errors.items():
        add(field, form.fields[field].label if field in form.fields else "", found)
    add("problems", _("Problems"), problems.non_form_errors())
    for index, problem in enumerate(problems.forms):
        for field, found in problem.errors.items():
            label = _("Problem %(number)s") % {"number": index + 1}
            if field in problem.fields:
                label = f"{label} · {problem.fields[field].label}"
            add(f"problems-{index}-{field}", label, found)
    return JsonResponse(
        {"status": "refused", "errors": {k: v for k, v in errors.items() if v}, "messages": lines},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def _say_already_recorded(request, visit) -> None:
    """Tell the user the draft they sent again was recorded before (nothing written now)."""
    messages.info(
        request,
        _("This visit to %(name)s was already recorded on %(date)s; it is not recorded twice.")
        % {
            "name": visit.enterprise.name,
            "date": timezone.localtime(visit.created_at).strftime("%Y-%m-%d %H:%M"),
        },
    )


def _keep_chosen_photos(request, form, *, now) -> list:
    """Keep the photos just chosen on a form that comes back, for the next try; return them."""
    if not form.cleaned_data.get("photos"):
        return []
    try:
        return keep_pending_photos(user=request.user, photos=form.cleaned_data["photos"], now=now)
    except ValidationError as error:
        form.add_error("photos", error)
        return []


def _chosen_participants(form, suggested) -> tuple[set[str], list]:
    """Return the ids of the participants chosen, and those chosen who are not suggested."""
    chosen = {str(value) for value in (form["participants"].value() or [])}
    extra = Official.objects.filter(pk__in=chosen - {str(o.pk) for o in suggested}).select_related(
        "department"
    )
    return chosen, extra


def _out_of_scope_answer() -> JsonResponse:
    """Answer a draft sent by script for an enterprise not (or no longer) the user's: 404."""
    message = _("This enterprise is not among yours (or no longer exists).")
    return JsonResponse(
        {"status": "refused", "errors": {"__all__": [message]}, "messages": [message]},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def _take_posted_visit(request, enterprise, *, today, wants_json):
    """Record a posted visit: return (answer, form, problems, kept photos).

    The answer is the response when the visit is recorded (or was before: the same draft sent
    again, from the phone or a second tap, is answered as the first time was, before anything
    is read or written) or refused by script; None when the form is to be shown again.
    """
    recorded = find_recorded_visit(
        acting_user=request.user, idempotency_key=request.POST.get("idempotency_key")
    )
    if recorded is not None:
        if wants_json:
            return _recorded_answer(recorded, replayed=True), None, None, []
        _say_already_recorded(request, recorded)
        return redirect("enterprises:my_enterprises"), None, None, []
    now = timezone.now()
    form = VisitForm(request.POST, request.FILES, today=today)
    problems = RaisedProblemFormSet(
        request.POST, prefix="problems", form_kwargs={"user": request.user}
    )
    kept = _kept_photos(request, form, now=now)
    outcome = _record(
        request, form, problems, enterprise=enterprise, kept=kept, today=today, now=now
    )
    if wants_json:
        # A refused draft keeps its photos on the phone: none is kept here for a next try.
        if outcome is None:
            return _refused_answer(form, problems), form, problems, kept
        return _recorded_answer(outcome[0], replayed=outcome[1]), form, problems, kept
    if outcome is not None:
        visit, replayed = outcome
        if replayed:
            _say_already_recorded(request, visit)
        else:
            messages.success(
                request, _("The visit to %(name)s is recorded.") % {"name": enterprise.name}
            )
        return redirect("enterprises:my_enterprises"), form, problems, kept
    kept += _keep_chosen_photos(request, form, now=now)
    return None, form, problems, kept


@login_required
def visit_new(request, pk):
    """Log a visit to an enterprise in under a minute, with problems raised on the spot.

    A visit kept on the phone offline is sent here by script with ``Accept: application/json``
    (static/js/offline.js): it gets the same checks and is answered in JSON, 201 recorded, 200
    recorded before (its idempotency key), 400 refused with the messages, 404 out of scope.
    """
    wants_json = request.method == "POST" and _wants_json(request)
    try:
        enterprise = get_scoped_object_or_404(Enterprise, request.user, pk=pk)
    except Http404:
        if not wants_json:
            raise
        return _out_of_scope_answer()
    today = timezone.localdate()
    me = official_of(request.user)
    suggested = list_suggested_participants(enterprise=enterprise, year=today.year)
    kept = []
    if request.method == "POST":
        answer, form, problems, kept = _take_posted_visit(
            request, enterprise, today=today, wants_json=wants_json
        )
        if answer is not None:
            return answer
    else:
        form = VisitForm(
            initial={"visited_on": today, "participants": [me.pk] if me else []}, today=today
        )
        problems = RaisedProblemFormSet(prefix="problems", form_kwargs={"user": request.user})
    chosen, extra = _chosen_participants(form, suggested)
    involved = is_involved(me, enterprise_id=enterprise.pk, year=today.year)
    response = render(
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
            "idempotency_key": request.POST.get("idempotency_key", "")[:64],
            "involved": request.user.is_superuser or involved,
        },
    )
    # The blank form of an enterprise of the official's own is kept on their phone, to log a
    # visit offline; a form that came back with errors is not.
    return allow_offline_copy(response, own=involved and request.method == "GET")


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
