"""Which webhook addresses a channel may post to, so that the product is no SSRF tool.

Settings (defaults in hengkou/settings.py, documented in docs/messaging.md):

- ``HENGKOU_MESSAGING_ALLOW_HTTP`` (False): plain http is refused unless this is on (tests
  that post to a receiver on loopback);
- ``HENGKOU_MESSAGING_HOSTS``: per channel kind, the hosts it may reach. The WeCom and DingTalk
  robots default to their official hosts; the generic webhook to an empty list, meaning any
  host named by a domain name, but never an IP address literal nor ``localhost``;
- ``HENGKOU_MESSAGING_ALLOWED_NETWORKS`` (empty): networks (CIDR) a channel may connect to
  although they are not public, e.g. an intranet's own webhook receiver.

Where a name resolves is checked as the channel connects (``address_allowed``, core/messaging/
net.py): only public addresses, those networks, or an IP address named in the kind's host list.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_HOSTS = {
    "wecom": ["qyapi.weixin.qq.com"],
    "dingtalk": ["oapi.dingtalk.com"],
    "webhook": [],
}
URL_MAX = 1000


def allowed_hosts(kind: str) -> list[str]:
    """Return the hosts a channel of ``kind`` may post to (empty: any host by name)."""
    configured = getattr(settings, "HENGKOU_MESSAGING_HOSTS", None) or {}
    return [host.lower() for host in configured.get(kind, DEFAULT_HOSTS.get(kind, []))]


def allowed_networks() -> list:
    """Return the networks of HENGKOU_MESSAGING_ALLOWED_NETWORKS."""
    networks = getattr(settings, "HENGKOU_MESSAGING_ALLOWED_NETWORKS", None) or []
    return [ipaddress.ip_network(network, strict=False) for network in networks]


def address_allowed(address, *, kind: str) -> bool:
    """Return whether a channel of ``kind`` may connect to ``address`` (an ip_address).

    A public (global unicast) address, an address of HENGKOU_MESSAGING_ALLOWED_NETWORKS, or one
    named literally in the kind's host list (a receiver on loopback in tests); never loopback,
    private, link-local, reserved or multicast otherwise.
    """
    if str(address) in allowed_hosts(kind):
        return True
    if any(address in network for network in allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def _is_address_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")
    return True


def validate_webhook_url(url: str, *, kind: str) -> str:
    """Return ``url`` if a channel of ``kind`` may post to it; raise ValidationError otherwise.

    The error never repeats the URL, which carries the robot's key or token.
    """
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Enter the webhook address."))
    if len(url) > URL_MAX:
        raise ValidationError(
            _("Enter an address of at most %(limit)s characters.") % {"limit": URL_MAX}
        )
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValidationError(_("Enter a valid web address.")) from None
    schemes = ["https", "http"] if getattr(settings, "HENGKOU_MESSAGING_ALLOW_HTTP", False) else []
    if parts.scheme not in (schemes or ["https"]):
        raise ValidationError(_("The webhook address must start with `https://`."))
    if not host or parts.username or parts.password:
        raise ValidationError(_("Enter a valid web address."))
    hosts = allowed_hosts(kind)
    if hosts and host not in hosts:
        raise ValidationError(
            _("This channel may only post to %(hosts)s.") % {"hosts": ", ".join(hosts)}
        )
    if not hosts and _is_address_literal(host):
        raise ValidationError(
            _("A webhook must name its host; addresses such as 127.0.0.1 are refused.")
        )
    return url
