"""SIGINT and SIGTERM as one exception in the main thread, held back while outputs are placed.

Python runs signal handlers in the main thread, whichever thread the operating system delivered
the signal to (the backends run threads of their own, so blocking signals in the main thread is
not enough). The handler here raises `Interrupted`, so that the run unwinds through its clean-up,
except inside `held()`, where it only notes the signal and raises it when the block is done.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Iterator

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was stopped by a signal; not an Exception, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_holding = 0
_pending: list[int] = []


def _handle(signum: int, frame: object) -> None:
    if _holding:
        _pending.append(signum)
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted` (the previous handlers come back after)."""
    previous = {signum: signal.signal(signum, _handle) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """A signal that arrives within the block is raised when the block is done, not half way through."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        if not _holding and _pending:
            signum = _pending[0]
            _pending.clear()
            raise Interrupted(signum)
