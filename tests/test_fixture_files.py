"""The captured fixtures live in the repository, unedited, and the README accounts for each."""

from __future__ import annotations

import hashlib
import re

from tests.fixture_files import FIXTURES, fixture_bytes

README = FIXTURES / "README.md"
CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$", re.MULTILINE)


def recorded_checksums() -> dict[str, str]:
    """name -> SHA-256 as the README records it (sha256sum format)."""
    return {name: digest for digest, name in CHECKSUM_LINE.findall(README.read_text())}


def test_every_fixture_matches_its_recorded_checksum() -> None:
    """Each file's original bytes (decompressed when stored .gz) hash to the README's value."""
    recorded = recorded_checksums()
    assert len(recorded) == 6
    for name, digest in recorded.items():
        assert hashlib.sha256(fixture_bytes(name)).hexdigest() == digest, name


def test_every_stored_file_is_described_and_checksummed() -> None:
    """No file sits in the folder without a row in the README's table and a checksum."""
    text = README.read_text()
    stored = {p.name.removesuffix(".gz") for p in FIXTURES.iterdir() if p.name != "README.md"}
    assert stored == set(recorded_checksums())
    for name in stored:
        assert f"| `{name}`" in text, name


def test_the_large_page_is_stored_compressed() -> None:
    """The 3.5 MB leaderboard page is kept gzipped and read back whole."""
    assert not (FIXTURES / "aa_leaderboard_page.html").exists()
    assert (FIXTURES / "aa_leaderboard_page.html.gz").stat().st_size < 500_000
    assert len(fixture_bytes("aa_leaderboard_page.html")) > 3_500_000
