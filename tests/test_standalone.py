"""The repository stands alone: nothing refers outside it, and the docs' links resolve."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.harness import REPO

SKIPPED_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache",
                ".pytest_cache", ".data"}
# Spelled in pieces so this file does not match itself.
OUTSIDE = ("../" + "shared", "/work/" + "shared", "AISI_" + "FIXTURES_DIR")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def repository_files() -> Iterator[Path]:
    """Every file of the working tree, without the venv, VCS data, caches and build output."""
    for path in sorted(REPO.rglob("*")):
        parts = set(path.relative_to(REPO).parts)
        if path.is_file() and not parts & SKIPPED_DIRS and not any(
            part.endswith(".egg-info") for part in parts
        ):
            yield path


def test_no_file_refers_to_a_path_outside_the_repository() -> None:
    """No code, test, bench, script, config or doc names the developers' shared folder."""
    offenders = []
    for path in repository_files():
        if path.suffix == ".gz":
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        offenders += [f"{path.relative_to(REPO)}: {word}" for word in OUTSIDE if word in text]
    assert offenders == []


def test_every_relative_link_in_the_docs_resolves() -> None:
    """Links in README.md, docs/, config/ and the fixtures README point at existing files."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
             REPO / "config" / "README.md", REPO / "tests" / "fixtures" / "ai-go" / "README.md"]
    assert len(pages) >= 6
    broken = []
    for page in pages:
        for target in MARKDOWN_LINK.findall(page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert broken == []


def test_readme_points_at_the_contract_and_both_runbooks() -> None:
    """The README sends readers to docs/contract.md, docs/runbook.md and docs/runbook.ko.md."""
    readme = (REPO / "README.md").read_text()
    for doc in ("docs/contract.md", "docs/runbook.md", "docs/runbook.ko.md"):
        assert f"]({doc})" in readme, doc
