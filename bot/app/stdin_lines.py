"""Lines typed at local mode's prompt, read so that a signal can always interrupt the wait.

A thread blocked in ``readline`` on a terminal or a pipe cannot be stopped: Ctrl-C would
then wait for one more Enter before the process could exit. Where input can wait forever
(terminal, pipe, socket) the event loop watches the descriptor instead; a regular file or
an in-memory stream never blocks for long and is read directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import stat
from typing import TextIO

_CHUNK = 65536


class StdinLines:
    """``await lines.readline()`` gives the next line with its newline, "" at end of input."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._fd: int | None = None
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._pending = b""
        try:
            fd = stream.fileno()
        except (io.UnsupportedOperation, AttributeError, ValueError):
            return
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode):
            try:
                asyncio.get_running_loop().add_reader(fd, self._readable)
            except (OSError, NotImplementedError, ValueError):
                return  # e.g. /dev/null cannot be watched (and never blocks)
            self._fd = fd

    async def readline(self) -> str:
        """The next line; "" once the input has ended."""
        if self._fd is not None:
            line = await self._lines.get()
            if not line:
                self._lines.put_nowait(line)  # the end stays the end
            return line
        if isinstance(self._stream, io.StringIO):
            return self._stream.readline()
        return await asyncio.to_thread(self._stream.readline)

    def close(self) -> None:
        """Stop watching the descriptor."""
        if self._fd is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self._fd)

    def _readable(self) -> None:
        assert self._fd is not None
        try:
            data = os.read(self._fd, _CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            if self._pending:
                self._lines.put_nowait(self._pending.decode(errors="replace"))
                self._pending = b""
            self._lines.put_nowait("")
            return
        *complete, self._pending = (self._pending + data).split(b"\n")
        for line in complete:
            self._lines.put_nowait(line.decode(errors="replace") + "\n")
