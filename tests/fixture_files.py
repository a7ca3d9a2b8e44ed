"""The captured real-world data in ``tests/fixtures/ai-go/``, read exactly as it was captured.

Large files are stored gzip-compressed (``NAME.gz``); :func:`fixture_bytes` returns the
original bytes either way, so callers name the file as it was captured.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ai-go"


@cache
def fixture_bytes(name: str) -> bytes:
    """The original bytes of fixture ``name`` (decompressed when stored as ``name.gz``)."""
    plain = FIXTURES / name
    if plain.is_file():
        return plain.read_bytes()
    packed = FIXTURES / f"{name}.gz"
    if packed.is_file():
        return gzip.decompress(packed.read_bytes())
    raise FileNotFoundError(f"no fixture {name!r} (nor {name}.gz) in {FIXTURES}")


@cache
def fixture_text(name: str) -> str:
    """A fixture's text (UTF-8)."""
    return fixture_bytes(name).decode("utf-8")
