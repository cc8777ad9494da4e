"""Connections that reach only the addresses the allow-list permits, checked as connected.

Checking a URL's host name and then letting the HTTP client resolve it again leaves a gap: a
name can resolve to a public address for the check and to 127.0.0.1 or 10.0.0.8 a moment later
(DNS rebinding). Here, as Sentry's ``safe_create_connection`` and advocate do, the name is
resolved once inside the connection itself, every address it resolves to is checked, and the
socket connects only to those checked addresses; TLS then verifies the certificate against the
host name as usual. Proxies from the environment are ignored, so the checked address is the
peer of the socket.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import _set_socket_options, allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(ValueError):
    """A host name resolved to an address the channel may not reach (never retried)."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to {address}, which this channel may not reach")
        self.host, self.address = host, address


def parse_address(sockaddr_host: str) -> Address:
    """Return the address of a getaddrinfo result, an IPv4-mapped IPv6 address as IPv4."""
    address = ipaddress.ip_address(sockaddr_host.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def guarded_connection(
    host: str,
    port: int,
    *,
    allow: Callable[[Address], bool],
    timeout=None,
    source_address=None,
    socket_options=None,
) -> socket.socket:
    """Resolve ``host`` once, refuse it if any address is not allowed, connect to a checked one."""
    host = host.strip("[]")
    infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    if not infos:
        raise OSError(f"{host} resolves to no address")
    for *_rest, sockaddr in infos:
        if not allow(parse_address(sockaddr[0])):
            raise AddressRefused(host, sockaddr[0])
    error = None
    for family, socktype, proto, _canonname, sockaddr in infos:
        sock = None
        try:
            sock = socket.socket(family, socktype, proto)
            _set_socket_options(sock, socket_options)
            if timeout is not None and timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the address checked above, not a new resolution
            return sock
        except OSError as exc:
            error = exc
            if sock is not None:
                sock.close()
    raise error


def _new_conn(connection, allow) -> socket.socket:
    # urllib3's HTTPConnection._new_conn, with the guarded connection in place of its own.
    try:
        return guarded_connection(
            connection._dns_host,
            connection.port,
            allow=allow,
            timeout=connection.timeout,
            source_address=connection.source_address,
            socket_options=connection.socket_options,
        )
    except AddressRefused:
        raise
    except socket.gaierror as exc:
        raise NameResolutionError(connection.host, connection, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            connection, f"Connection to {connection.host} timed out."
        ) from exc
    except OSError as exc:
        raise NewConnectionError(
            connection, f"Failed to establish a new connection: {exc}"
        ) from exc


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections go only to addresses that ``allow`` accepts."""

    def __init__(self, allow: Callable[[Address], bool]):
        self.allow = allow
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        allow = self.allow

        class Connection(HTTPConnection):
            def _new_conn(self):
                return _new_conn(self, allow)

        class SecureConnection(HTTPSConnection):
            def _new_conn(self):
                return _new_conn(self, allow)

        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedPool", (HTTPConnectionPool,), {"ConnectionCls": Connection}),
            "https": type(
                "GuardedSecurePool", (HTTPSConnectionPool,), {"ConnectionCls": SecureConnection}
            ),
        }


def guarded_session(allow: Callable[[Address], bool]) -> requests.Session:
    """Return a session whose requests connect only to addresses that ``allow`` accepts."""
    session = requests.Session()
    # A proxy from the environment would be the socket's peer, not the checked address.
    session.trust_env = False
    adapter = GuardedAdapter(allow)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
