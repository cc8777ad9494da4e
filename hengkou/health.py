"""Probes for load balancers, and the benchmark's baselines.

- ``/healthz/``: plain Django, no login, no session, no database: "the process answers"
  (liveness: restart the process when it fails).
- ``/readyz/``: readiness, for the load balancer: the primary database, the read replica and
  Redis, each with its state. 200 while the primary answers, since the site serves without the
  replica (reads go to the primary) and without Redis (no cache, database sessions), and then
  ``status`` is ``degraded``; 503 when the primary does not answer.
- ``/api/v1/ping/``: DRF with the API's authentication and ``IsAuthenticated``, the same stack
  as the ranking endpoint without its work: the baseline the ranking's throughput is compared to.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

logger = logging.getLogger("hengkou.health")


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _database() -> dict:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        connections["default"].close_if_unusable_or_obsolete()
        logger.warning("Readiness: the database cannot be reached: %s", error)
        return {"state": "unreachable"}
    return {"state": "ok"}


def _replica() -> dict:
    from . import db_router

    if not db_router.replica_configured():
        return {"state": "not configured"}
    # The state the requests use, measured at most every few seconds: a probe that anyone may
    # call opens no connection of its own each time, and tells no error text (it is logged).
    state = db_router.replica_state()
    if not state.reachable:
        return {"state": "unreachable", "reads": "primary"}
    return {
        "state": "ok" if state.usable else "lagging",
        "lag_seconds": round(state.lag or 0.0, 1),
        "max_lag_seconds": settings.HENGKOU_REPLICA_MAX_LAG_SECONDS,
        "reads": "replica" if state.usable else "primary",
    }


def _redis() -> dict:
    reachable = getattr(cache, "reachable", None)
    if reachable is None:
        return {"state": "not configured"}
    return {"state": "ok"} if reachable() else {"state": "unreachable"}


@login_not_required
@never_cache
@require_safe
def readyz(request):
    """Report the database, the replica and Redis; 503 only when the primary is away."""
    checks = {"database": _database(), "replica": _replica(), "redis": _redis()}
    if checks["database"]["state"] != "ok":
        status = "unavailable"
    elif any(check["state"] not in ("ok", "not configured") for check in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "checks": checks}, status=503 if status == "unavailable" else 200
    )


@extend_schema(
    summary="Ping",
    description='Answers {"ok": true} to an authenticated client, without touching any data.',
    responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}),
)
@api_view(["GET"])
def ping(request):
    return Response({"ok": True})
