"""A clock the test moves by hand, for code that takes ``clock: Callable[[], float]``."""

from __future__ import annotations


class HandClock:
    """Seconds (monotonic or wall clock, as the code under test reads them) moved by hand:
    ``clock.now += 60``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
