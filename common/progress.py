"""Training progress as a learner sees it: Keras's bar on a terminal, a few plain lines elsewhere.

Keras's bar redraws itself with carriage returns and colour codes, which a terminal renders and a
file or a pipe keeps as clutter, one redraw per update. So where standard output is not a terminal,
a run prints one plain line at each quarter of its epochs instead.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import keras

from common.checks import require_positive_int

MARKS = 4
"""Plain lines per run: at 25%, 50%, 75% and 100% of the epochs."""


def on_terminal() -> bool:
    """Whether standard output is a terminal, where a bar redrawn in place can be read."""
    return bool(getattr(sys.stdout, "isatty", None) and sys.stdout.isatty())


class Progress:
    """A run's progress over `epochs`: `update(done, loss)` after each batch of epochs trained."""

    def __init__(self, epochs: int) -> None:
        require_positive_int("epochs", epochs)
        self.epochs = epochs
        self.bar = keras.utils.Progbar(epochs, unit_name="epoch") if on_terminal() else None
        self.started = time.perf_counter()
        self.marks_shown = 0

    def update(self, done: int, loss: float) -> None:
        """Show that `done` epochs are trained, the last one's loss `loss`."""
        if self.bar is not None:
            self.bar.update(done, values=[("loss", loss)], finalize=done == self.epochs)
            return
        mark = done * MARKS // self.epochs
        if mark > self.marks_shown:
            self.marks_shown = mark
            print(f"epoch {done}/{self.epochs} ({100 * done // self.epochs}%): loss {loss:.4f}, "
                  f"{time.perf_counter() - self.started:.0f} s", flush=True)


class ProgressLines(keras.callbacks.Callback):
    """`model.fit`'s progress as `Progress` shows it where standard output is not a terminal."""

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.progress = Progress(epochs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.progress.update(epoch + 1, float((logs or {}).get("loss", float("nan"))))


def for_fit(epochs: int, quiet: bool) -> tuple[int, list[keras.callbacks.Callback]]:
    """`model.fit`'s `verbose` and the progress callbacks to add: on a terminal Keras's own line per
    epoch (verbose 2), elsewhere a few plain lines; nothing when `quiet`."""
    if quiet:
        return 0, []
    if on_terminal():
        return 2, []
    return 0, [ProgressLines(epochs)]
