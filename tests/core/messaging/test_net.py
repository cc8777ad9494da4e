"""The allow-list holds for the address actually connected to: a name is resolved once, every
address it resolves to is checked, and the socket connects only to a checked address, so a
name that resolves (or rebinds) to a disallowed address reaches nothing."""

import ipaddress
import socket

import pytest

from core.messaging import DeliveryError, Message, WebhookChannel
from core.messaging.net import parse_address
from core.messaging.urls import address_allowed
from tests.receivers import Receiver

MESSAGE = Message(title="t", text="x", url="https://tracker.example/", event="notice", id="1")
REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Resolve the names of ``answers`` to the given lists of addresses, one list per call
    (the last repeats); every other name as usual. ``calls`` counts the lookups per name."""

    answers, calls = {}, {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        calls[host] = calls.get(host, 0) + 1
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, calls


def test_a_name_that_resolves_to_loopback_is_refused_before_connecting(settings, dns):
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = []
    answers, _calls = dns
    with Receiver("webhook") as receiver:
        answers["hooks.test"] = [["127.0.0.1"]]
        channel = WebhookChannel(f"http://hooks.test:{receiver.port}/hooks/hengkou")
        with pytest.raises(DeliveryError) as error:
            channel.send(MESSAGE)
    assert error.value.reason.startswith("address refused: hooks.test resolves to 127.0.0.1")
    assert receiver.raw_paths == []


def test_the_same_name_is_delivered_once_its_address_is_allowed(settings, dns):
    # The resolution the check saw is the one the connection used.
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers, calls = dns
    with Receiver("webhook") as receiver:
        answers["hooks.test"] = [["127.0.0.1"]]
        WebhookChannel(f"http://hooks.test:{receiver.port}/hooks/hengkou").send(MESSAGE)
    assert len(receiver.received) == 1
    assert calls == {"hooks.test": 1}


def test_a_name_rebinding_after_the_check_still_reaches_only_the_checked_address(settings, dns):
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers, calls = dns
    allowed = Receiver("webhook")
    internal = Receiver("webhook", host="127.0.0.2", port=allowed.port)
    with allowed, internal:
        # Allowed at the first lookup, an internal address at every one after it.
        answers["rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
        WebhookChannel(f"http://rebind.test:{allowed.port}/hooks/hengkou").send(MESSAGE)
        # The other way round: the first lookup is refused and nothing is reached.
        answers["rebind2.test"] = [["127.0.0.2"], ["127.0.0.1"]]
        with pytest.raises(DeliveryError) as error:
            WebhookChannel(f"http://rebind2.test:{allowed.port}/hooks/hengkou").send(MESSAGE)
    assert len(allowed.received) == 1 and internal.raw_paths == []
    assert "rebind2.test resolves to 127.0.0.2" in error.value.reason
    assert calls == {"rebind.test": 1, "rebind2.test": 1}


def test_every_address_of_a_name_is_checked(settings, dns):
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers, _calls = dns
    with Receiver("webhook") as receiver:
        answers["mixed.test"] = [["127.0.0.1", "10.0.0.8"]]
        with pytest.raises(DeliveryError) as error:
            WebhookChannel(f"http://mixed.test:{receiver.port}/hooks/hengkou").send(MESSAGE)
    assert "resolves to 10.0.0.8" in error.value.reason
    assert receiver.raw_paths == []


def test_proxies_from_the_environment_are_not_used(settings, dns, monkeypatch):
    # A proxy would be the socket's peer: the checked address must be the one connected to.
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers, _calls = dns
    with Receiver("webhook") as receiver:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        answers["hooks.test"] = [["127.0.0.1"]]
        WebhookChannel(f"http://hooks.test:{receiver.port}/hooks/hengkou").send(MESSAGE)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("203.0.113.9", False),  # documentation range: not global
        ("1.1.1.1", True),
        ("10.0.0.8", False),
        ("172.16.3.4", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("2400:3200::1", True),
    ],
)
def test_which_addresses_a_channel_may_reach(settings, address, allowed):
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = []
    assert address_allowed(parse_address(address), kind="webhook") is allowed


def test_allowed_networks_and_listed_literals_open_an_internal_address(settings):
    settings.HENGKOU_MESSAGING_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    settings.HENGKOU_MESSAGING_HOSTS = {"webhook": ["192.168.7.7"]}
    assert address_allowed(ipaddress.ip_address("10.20.1.2"), kind="webhook")
    assert not address_allowed(ipaddress.ip_address("10.21.1.2"), kind="webhook")
    assert address_allowed(ipaddress.ip_address("192.168.7.7"), kind="webhook")
    assert not address_allowed(ipaddress.ip_address("192.168.7.7"), kind="wecom")
