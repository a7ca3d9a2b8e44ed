"""Tests never leave this machine: a connection to anything but loopback fails at once.

Installed in the test process by ``tests/conftest.py``, and in every Python process a test
starts (the bot under test, the CLI, the wheel's venv): conftest puts this folder on
``PYTHONPATH`` with ``AISI_NETWORK_GUARD=1``, and Python imports ``sitecustomize`` at
start-up. Python sockets (asyncio, aiohttp, httpx, redis-py) are checked in ``connect`` and
name lookups in ``getaddrinfo``; psycopg's connections, which libpq opens itself, are
checked by their host when the guard can see psycopg. Unix sockets and 127.0.0.0/8, ::1
and "localhost" pass; everything else raises ``NetworkBlockedError`` before a packet leaves.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

ENV_FLAG = "AISI_NETWORK_GUARD"
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class NetworkBlockedError(OSError):
    """A test (or a process it started) tried to reach something other than loopback."""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (also as an IPv4-mapped address) or a local name."""
    if host.lower().rstrip(".") in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def check_address(address: Any, family: int) -> None:
    """Raise NetworkBlockedError unless ``address`` is a unix socket or on loopback."""
    if family == getattr(socket, "AF_UNIX", None) or isinstance(address, (str, bytes)):
        return
    host = str(address[0])
    if not is_loopback(host):
        raise NetworkBlockedError(
            f"the network guard refused a connection to {host} port {address[1]}:"
            " tests may only reach loopback"
        )


def check_name(host: object) -> None:
    """Raise NetworkBlockedError for a name lookup that would leave the machine."""
    if host is None:
        return
    name = host.decode() if isinstance(host, bytes) else str(host)
    if not (is_loopback(name) or _numeric(name)):
        raise NetworkBlockedError(
            f"the network guard refused to look up {name!r}: tests may only reach loopback"
        )


def check_conninfo(conninfo: str, **kwargs: Any) -> None:
    """Raise NetworkBlockedError when a PostgreSQL connection string names a remote host."""
    from psycopg.conninfo import conninfo_to_dict

    hosts = {k: v for k, v in kwargs.items() if k in ("host", "hostaddr") and v is not None}
    params = conninfo_to_dict(conninfo, **hosts)
    for key in ("host", "hostaddr"):
        for host in str(params.get(key) or "").split(","):
            if host and not host.startswith("/") and not is_loopback(host):
                raise NetworkBlockedError(
                    f"the network guard refused a PostgreSQL connection to {host}:"
                    " tests may only reach loopback"
                )


def install() -> None:
    """Guard this process (idempotent)."""
    if getattr(socket.socket.connect, "_aisi_guard", False):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        check_address(address, self.family)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check_address(address, self.family)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check_name(host)
        return real_getaddrinfo(host, *args, **kwargs)

    connect._aisi_guard = True  # type: ignore[attr-defined]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    guard_psycopg()


def guard_psycopg() -> None:
    """Check psycopg's connections by host (libpq opens them outside Python's sockets)."""
    try:
        import psycopg
    except ImportError:
        return
    for cls in (psycopg.Connection, psycopg.AsyncConnection):
        real = cls.__dict__["connect"].__func__
        if getattr(real, "_aisi_guard", False):
            continue
        if cls is psycopg.AsyncConnection:

            async def connect_async(
                klass: Any, conninfo: str = "", *, _real: Any = real, **kwargs: Any
            ) -> Any:
                check_conninfo(conninfo, **kwargs)
                return await _real(klass, conninfo, **kwargs)

            guarded: Any = connect_async
        else:

            def connect_sync(
                klass: Any, conninfo: str = "", *, _real: Any = real, **kwargs: Any
            ) -> Any:
                check_conninfo(conninfo, **kwargs)
                return _real(klass, conninfo, **kwargs)

            guarded = connect_sync
        guarded._aisi_guard = True
        cls.connect = classmethod(guarded)  # type: ignore[assignment, method-assign]
    psycopg.connect = psycopg.Connection.connect  # bound at import: the guarded one now


if os.environ.get(ENV_FLAG) == "1":
    install()
