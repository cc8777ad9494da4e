"""Trivial views for load balancers and for the benchmark's baselines; neither reads the database.

- ``/healthz/``: plain Django, no login, no session, no database: "the process answers".
- ``/api/v1/ping/``: DRF with the API's authentication and ``IsAuthenticated``, the same stack
  as the ranking endpoint without its work: the baseline the ranking's throughput is compared to.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@extend_schema(
    summary="Ping",
    description='Answers {"ok": true} to an authenticated client, without touching any data.',
    responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}),
)
@api_view(["GET"])
def ping(request):
    return Response({"ok": True})
