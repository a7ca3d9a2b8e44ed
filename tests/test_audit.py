"""The audit store: decisions are written in the background; none is lost with the database."""

from __future__ import annotations

import logging

import pytest

from bot.stores.audit import AuditEntry, AuditLog
from bot.stores.db import Database

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from


async def test_decisions_are_stored_and_read_back_newest_first(database_url: str) -> None:
    """Two decisions, written without waiting, come back newest first with when they happened."""
    db = Database(database_url)
    await db.open()
    try:
        audit = AuditLog(db)
        audit.record(AuditEntry("U0A", "T0", "command:/sync", False, "not in auth.operators"))
        await audit.flush()
        audit.record(AuditEntry("U0B", "T0", "action:incident_ack", True, "listed"))
        await audit.aclose()
        rows = await audit.recent()
    finally:
        await db.close()
    assert [(r.user_id, r.what, r.allowed) for r in rows] == [
        ("U0B", "action:incident_ack", True),
        ("U0A", "command:/sync", False),
    ]
    assert all(r.at is not None for r in rows)


async def test_a_decision_the_database_cannot_take_is_logged_in_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the database down the refusal still stands, and the log line carries all of it."""
    db = Database("postgresql://aisi@127.0.0.1:9/aisi", connect_timeout_s=1)
    await db.open()
    try:
        audit = AuditLog(db, write_timeout_s=0.5)
        with caplog.at_level(logging.WARNING, logger="bot.stores.audit"):
            audit.record(AuditEntry("U0MALLORY", "T0", "command:/sync", False, "not listed"))
            await audit.flush(timeout_s=10)
    finally:
        await db.close()
    assert "refused command:/sync for U0MALLORY (T0): not listed" in caplog.text
