"""The whole suite is sealed from the network: the guard refuses anything but loopback."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from bot.settings.model import URL_DEFAULTS, load_settings
from tests.conftest import SEALED_URLS, sealed_status_pages, write_test_config
from tests.harness import REPO, clean_env
from tests.netguard.sitecustomize import NetworkBlockedError, is_loopback

OUTSIDE = ("192.0.2.1", "10.255.255.1", "2001:db8::1")  # documentation / private addresses


@pytest.mark.parametrize("address", OUTSIDE)
def test_a_socket_to_a_non_loopback_address_is_refused_before_connecting(address: str) -> None:
    """connect() raises at once and the socket never connects (nothing was sent)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError, match=address):
            sock.connect((address, 443))
        with pytest.raises(NetworkBlockedError):
            sock.connect_ex((address, 443))
        with pytest.raises(OSError):
            sock.getpeername()  # not connected


async def test_asyncio_httpx_and_postgres_are_refused_too() -> None:
    """The clients the bot uses go through the guard: asyncio, httpx (by name) and psycopg."""
    with pytest.raises(NetworkBlockedError):
        await asyncio.open_connection("10.255.255.1", 443)
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError) as raised:
            await client.get("https://api.openai.com/v1/models", headers={"x-canary": "1"})
    assert "network guard refused to look up 'api.openai.com'" in str(raised.value)
    with pytest.raises(NetworkBlockedError):
        await psycopg.AsyncConnection.connect("postgresql://aisi@192.0.2.1/aisi")
    with pytest.raises(NetworkBlockedError):
        psycopg.connect("postgresql://aisi@192.0.2.1/aisi")


async def test_loopback_and_unix_sockets_pass() -> None:
    """A local server is reachable by 127.0.0.1, by 'localhost' and over a unix socket."""
    served = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.set()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for host in ("127.0.0.1", "localhost"):
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
        await asyncio.wait_for(served.wait(), 5)
    assert is_loopback("127.8.9.10") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("192.0.2.1") and not is_loopback("example.com")


def test_a_process_a_test_starts_is_guarded_too() -> None:
    """A Python subprocess with the test environment refuses a non-loopback connection."""
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=5)"
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", code], env=clean_env({}), cwd=REPO, capture_output=True,
        text=True, timeout=60, check=False,
    )
    assert done.returncode != 0 and "NetworkBlockedError" in done.stderr, done.stderr


def test_the_test_settings_put_every_url_and_status_page_on_loopback(tmp_path: Path) -> None:
    """Every URL of the one URL table and every packaged status page is sealed for tests."""
    assert set(SEALED_URLS) == set(URL_DEFAULTS)
    env = clean_env({"BOT_CONFIG_DIR": str(write_test_config(tmp_path))})
    settings = load_settings(env)
    assert set(settings.urls) == set(URL_DEFAULTS)
    assert all(is_loopback(httpx.URL(url).host) for url in settings.urls.values())
    assert len(settings.status_pages) == len(sealed_status_pages()) >= 5
    assert all(is_loopback(httpx.URL(p.url).host) for p in settings.status_pages)
