"""Unknown configuration keys fail start-up, naming the key and the nearest valid one.

The valid keys are not listed anywhere: they are the keys ``load_settings`` actually reads.
The config data is wrapped in mappings that record every key looked up; after the settings
are built, any key in the files that nobody looked up is a typo (``[helth]``,
``probe_timout_seconds``) that would otherwise be silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from bot.errors import ConfigError


class _Recording(Mapping[str, Any]):
    """A read-only view of one table that records which keys were looked up."""

    def __init__(self, data: Mapping[str, Any], path: str, seen: set[str]) -> None:
        self._data = data
        self._path = path
        self._seen = seen

    def _child(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def __getitem__(self, key: str) -> Any:
        path = self._child(key)
        self._seen.add(path)  # looked up, present or not: the key is a valid one
        return _wrap(self._data[key], path, self._seen)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _wrap(value: Any, path: str, seen: set[str]) -> Any:
    if isinstance(value, Mapping):
        return _Recording(value, path, seen)
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        return [_wrap(item, f"{path}[{i}]", seen) for i, item in enumerate(value)]
    return value


class KeyRecorder:
    """Wraps config data for reading, then names the first key that was never read."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def wrap(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The data as a recording mapping; read settings from this."""
        return _Recording(data, "", self._seen)

    def check(self, data: Mapping[str, Any]) -> None:
        """Raise ConfigError for the first key of ``data`` that was never looked up."""
        unknown = self._first_unknown(data, "")
        if unknown is not None:
            raise unknown

    def _first_unknown(self, table: Mapping[str, Any], path: str) -> ConfigError | None:
        for key, value in table.items():
            full = f"{path}.{key}" if path else key
            if full not in self._seen:
                return self._unknown(key, full, path, isinstance(value, Mapping))
            if isinstance(value, Mapping):
                found = self._first_unknown(value, full)
            elif isinstance(value, list):
                items = [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]
                found = next(
                    (e for i, v in items if (e := self._first_unknown(v, f"{full}[{i}]"))), None
                )
            else:
                found = None
            if found is not None:
                return found
        return None

    def _unknown(self, key: str, full: str, parent: str, is_table: bool) -> ConfigError:
        prefix = f"{parent}." if parent else ""
        siblings = sorted(
            s[len(prefix) :]
            for s in self._seen
            if s.startswith(prefix) and "." not in s[len(prefix) :] and "[" not in s[len(prefix) :]
        )
        kind = "section" if is_table and not parent else "setting"
        near = difflib.get_close_matches(key, siblings, n=1, cutoff=0.6)
        if near:
            shown = f"[{near[0]}]" if kind == "section" else f"`{near[0]}`"
            hint = f"did you mean {shown}?"
        else:
            hint = "valid here: " + (", ".join(siblings) or "nothing")
        return ConfigError(full, f"unknown {kind} (it would be ignored); {hint}")
