"""The memory a run will need, estimated from its flags before anything is built.

A run whose data or model cannot fit would otherwise fail minutes in, with a numpy or backend
traceback (a lag of a million steps asks for terabytes). Each script describes its largest
arrays and its recurrent layers as a `Need`; `require_fits` refuses what exceeds the memory the
machine has available, in one line naming the flags that set the size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from common.checks import MisuseError
from common.training import epochs_per_call

FLOAT_BYTES = 4
COPIES_PER_PARAMETER = 4
"""Each weight is held with its gradient and Adam's two moments."""
LSTM_FLOATS_PER_STEP = 7
"""Per sample, time step and unit, what a backward pass keeps: four gates, the cell and its tanh, the output."""
PYTHON_ITEM_BYTES = 200
"""A question held as Python objects (lists of ints and strings) before it is encoded."""


def lstm_parameters(units: int, inputs: int) -> int:
    """Weights of one LSTM layer: four gates over the input, the recurrent state and a bias."""
    return 4 * units * (units + inputs + 1)


def dense_parameters(units: int, inputs: int) -> int:
    """Weights of one Dense layer."""
    return units * (inputs + 1)


@dataclass(frozen=True)
class Need:
    """The most a run holds at once: arrays, weights, and what a batch's backward pass keeps."""

    array_floats: int = 0
    """Float32 elements of the data arrays held together (a training call's epochs, the evaluation set)."""
    parameters: int = 0
    recurrent_floats: int = 0
    """Float32 elements a batch's forward and backward pass keeps, per sample x step x unit x LSTM_FLOATS_PER_STEP."""
    python_items: int = 0

    @property
    def bytes(self) -> int:
        floats = self.array_floats + COPIES_PER_PARAMETER * self.parameters + self.recurrent_floats
        return FLOAT_BYTES * floats + PYTHON_ITEM_BYTES * self.python_items


def recurrent_floats(batch: int, steps: int, units: int) -> int:
    """What one LSTM layer keeps for a batch of `batch` sequences of `steps` steps."""
    return LSTM_FLOATS_PER_STEP * batch * steps * units


def stream_floats(epoch_floats: int, epochs: int, steps_per_epoch: int) -> int:
    """Floats the training loop holds for a run of fresh epochs: one compiled call's epochs, and the
    backend's copy of them, while the next call's epochs are stacked, plus an evaluation set of one epoch."""
    held = epochs_per_call(epochs, steps_per_epoch, FLOAT_BYTES * epoch_floats)
    return 3 * held * epoch_floats + epoch_floats


def available_bytes() -> int:
    """Memory the system can give this process now without swapping (Linux's MemAvailable)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _readable(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:,.0f} PiB"


def require_fits(need: Need, flags: str, available: int | None = None) -> str:
    """Refuse, naming `flags`, a run that needs more memory than is `available` (default: now).

    Returns what was checked, as `--dry-run` prints it: the estimate and the limit.
    """
    available = available_bytes() if available is None else available
    if need.bytes > available:
        raise MisuseError(f"{flags}: this run would need about {_readable(need.bytes)} of memory, "
                          f"more than the {_readable(available)} available: choose smaller values")
    return f"about {_readable(need.bytes)} needed, checked against the {_readable(available)} available"
