"""SIGINT and SIGTERM: recorded the moment they arrive, never lost, and a second one ends the run at once.

Python runs a signal handler in the main thread, between two bytecodes, wherever the interpreter
happens to be. The handler here records the signal and raises `Interrupted`, so that the run
unwinds through its clean-up. That alone can lose a signal or leave it waiting, so:

- Raised inside a garbage-collection callback, a `__del__` or a weakref callback, an exception is
  dropped (Python prints "Exception ignored"; JAX registers a gc callback, and Keras imports JAX
  even on TensorFlow). Python hands every such exception to `sys.unraisablehook`, here a list's
  `append`, which runs no Python code (an exception raised inside the hook itself would be lost
  for good). A watcher thread looks at what was dropped and delivers a dropped `Interrupted` to the
  main thread again, to be raised at its next bytecode; anything else goes to the previous hook.
- Code that catches every exception, or C code that clears it, drops it with no trace: while the
  run goes on after a signal was raised, the watcher raises it again every `RAISE_AGAIN_AFTER`
  seconds, outputs are put in place only if no signal was recorded (`received`), and a
  run that returns after one still stops with it.
- Inside `held()` (outputs being created or renamed) the handler only records it; the block
  raises it when done, so that a result is never half in place.
- While the main thread waits for a long backend call, no Python code runs in it. The watcher
  reads every signal from the wakeup file descriptor as it arrives: on the second one it removes
  the outputs staged so far (`discarded_if_stopped`) and ends the process at once, with 128 + the
  signal's number.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import select
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

HANDLED = (signal.SIGINT, signal.SIGTERM)
WATCH_INTERVAL = 0.02
"""Seconds between the watcher's looks at the exceptions Python dropped."""
RAISE_AGAIN_AFTER = 2.0
"""Seconds after the signal was last raised by which the run should have unwound to `handled()`."""


class Interrupted(BaseException):
    """The run was stopped by a signal; not an Exception, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _State:
    """What one `handled()` block has seen and must not cut half way."""

    def __init__(self) -> None:
        self.received: int | None = None  # the first signal
        self.raise_again = 0  # deliveries of it by the watcher, not yet raised
        self.raised_at: float | None = None  # when the handler last raised it
        self.holding = 0
        self.closing = False
        self.dropped: list[Any] = []  # what Python handed to the unraisable hook, not yet looked at
        self.counting = threading.Lock()
        self.placing = threading.RLock()  # held while outputs are created or renamed
        self.discards: list[Callable[[], None]] = []


_state = _State()


def _handle(signum: int, frame: object) -> None:
    if _state.received is None:
        _state.received = signum
    elif _state.raise_again:
        with _state.counting:
            _state.raise_again -= 1
    else:
        return  # a second signal: the watcher ends the process
    if _state.holding or _state.closing:
        return
    _state.raised_at = time.monotonic()
    raise Interrupted(_state.received)


def received() -> int | None:
    """The signal recorded in this block, if any, raised or not."""
    return _state.received


def raise_if_received() -> None:
    """Raise the signal recorded in this block, if any (one that some code caught and dropped)."""
    if _state.received is not None and not _state.holding:
        _state.raised_at = time.monotonic()
        raise Interrupted(_state.received)


def _watch(read_end: int, previous_hook: Callable[[Any], None]) -> None:
    """Deliver again each `Interrupted` Python dropped, and one the run has not unwound with, and
    count the signals as they arrive (one byte each from the wakeup fd, the signal's number; 0 ends
    the watch)."""
    seen = 0
    own = 0  # wakeup bytes of this thread's own deliveries

    def deliver_again(signum: int) -> None:
        nonlocal own
        with _state.counting:
            _state.raise_again += 1
        own += 1
        _thread.interrupt_main(signum)

    while True:
        while _state.dropped:
            unraisable = _state.dropped.pop(0)
            if isinstance(unraisable.exc_value, Interrupted):
                deliver_again(unraisable.exc_value.signum)
            else:
                previous_hook(unraisable)
        raised_at = _state.raised_at
        if (raised_at is not None and time.monotonic() - raised_at > RAISE_AGAIN_AFTER and not _state.raise_again
                and not _state.holding and not _state.closing):
            _state.raised_at = None  # set again when the handler raises it
            deliver_again(_state.received)
        if not select.select([read_end], [], [], WATCH_INTERVAL)[0]:
            continue
        for byte in os.read(read_end, 64):
            if byte == 0:
                return
            if own:
                own -= 1
                continue
            seen += 1
            if seen >= 2:
                _stop_at_once(byte)


def _stop_at_once(signum: int) -> None:
    with _state.placing:  # outputs already being renamed are all put in place first
        for discard in list(_state.discards):
            discard()
        name = signal.Signals(signum).name
        os.write(2, f"{Path(sys.argv[0]).name}: stopped at once by a second {name}\n".encode())
        os._exit(128 + signum)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted`, and none is lost; everything
    changed to make sure of that (handlers, the unraisable hook, the wakeup fd) is restored after."""
    global _state
    _state = _State()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_handlers = {signum: signal.signal(signum, _handle) for signum in HANDLED}
    previous_hook, sys.unraisablehook = sys.unraisablehook, _state.dropped.append
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_end, previous_hook), name="signal watcher",
                               daemon=True)
    watcher.start()
    try:
        yield
    finally:
        _state.closing = True  # from here on a signal is only recorded, so that all is restored
        signal.set_wakeup_fd(previous_fd)
        os.write(write_end, b"\0")
        watcher.join()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        for unraisable in _state.dropped:
            if not isinstance(unraisable.exc_value, Interrupted):
                previous_hook(unraisable)
        os.close(read_end)
        os.close(write_end)
    raise_if_received()  # the block ended, but a signal came: the run still stops with it


@contextlib.contextmanager
def held() -> Iterator[None]:
    """A signal that arrives within the block is raised when the block is done, not half way through,
    and a second one waits for the block before it ends the process."""
    with _state.placing:
        _state.holding += 1
        try:
            yield
        finally:
            _state.holding -= 1
    raise_if_received()


@contextlib.contextmanager
def discarded_if_stopped(discard: Callable[[], None]) -> Iterator[None]:
    """Within the block, a second signal that ends the process at once calls `discard` first."""
    _state.discards.append(discard)
    try:
        yield
    finally:
        _state.discards.remove(discard)
