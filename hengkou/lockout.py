"""Login throttling (django-axes): who the client is, when a username or an address is locked.

- The client's address is ``REMOTE_ADDR``. Only when the request comes from a proxy the
  deployment declares trusted (``HENGKOU_TRUSTED_PROXIES``: addresses or networks, e.g. the
  local nginx at 127.0.0.1) is ``X-Forwarded-For`` read, right to left, skipping trusted hops;
  a client can never choose its own address by sending the header.
- A username is locked after ``AXES_FAILURE_LIMIT`` failures from any addresses, and an address
  after ``HENGKOU_LOCKOUT_ADDRESS_LIMIT`` failures on any usernames.
- Locks are timed, never permanent: the cool-off starts at ``AXES_COOLOFF_TIME`` and doubles with
  each further lockout of the same username within a day, up to ``HENGKOU_LOCKOUT_COOLOFF_MAX``.
  Failures during a lockout do not extend it, so typing an official's name cannot keep them out.
"""

from __future__ import annotations

import datetime
import ipaddress
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

GROWTH_WINDOW = datetime.timedelta(days=1)


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_address(request) -> str | None:
    """Return the client's address: REMOTE_ADDR, or what a trusted proxy says it forwarded."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _trusted_networks(tuple(getattr(settings, "HENGKOU_TRUSTED_PROXIES", ())))
    remote_address = _address(remote)
    if remote_address is None or not networks or not _trusted(remote_address, networks):
        return remote or None
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        if not _trusted(address, networks):
            return str(address)
    return remote


def cool_off(request=None) -> datetime.timedelta:
    """Return how long a lockout lasts: doubled for each earlier lockout of the username today."""
    base = settings.HENGKOU_LOCKOUT_COOLOFF
    username = get_client_username(request) if request is not None else None
    if not username:
        return base
    since = timezone.now() - GROWTH_WINDOW
    # The failure being recorded is logged only after its expiry is set: count it too.
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()
    lockouts = max((failures + 1) // settings.AXES_FAILURE_LIMIT, 1)
    return min(base * 2 ** (lockouts - 1), settings.HENGKOU_LOCKOUT_COOLOFF_MAX)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for addresses.

    AXES_LOCKOUT_PARAMETERS is ``["username", "ip_address"]``: axes compares one count with
    AXES_FAILURE_LIMIT. The address's failures are scaled so that it reaches that limit exactly
    when they reach HENGKOU_LOCKOUT_ADDRESS_LIMIT.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        username_limit = settings.AXES_FAILURE_LIMIT
        address_limit = settings.HENGKOU_LOCKOUT_ADDRESS_LIMIT
        return max(by_username, by_address * username_limit // address_limit)
