"""What the binary adders' `model.fit` is given besides arrays, and what it gives back: a stream
of freshly sampled pairs, for widths whose pairs are too many to hold; a stop at the first epoch
with every pair right; its curves as the `History` a run writes.

The data themselves and the exact-match check are `common/binary.py`'s; this module is the Keras
side of them (a `PyDataset` that `fit` reads, a `Callback` that `fit` calls).
"""

from __future__ import annotations

import time

import keras
import numpy as np

from common import binary
from common.checks import MisuseError, require_int, require_positive_int
from common.training import History


class SampledPairs(keras.utils.PyDataset):
    """Each epoch, `batches` batches of pairs drawn uniformly from all 4**bits, encoded on demand.

    Memory stays at one batch however many pairs there are: nothing is enumerated. Batch `index`
    of epoch `e` is `binary.sampled_batch(..., seed, e, index)`, so the same seed gives the same
    stream on every backend.
    """

    def __init__(self, formulation: str, bits: int, batch_size: int, batches: int, seed: int,
                 per_sequence: int = 1):
        super().__init__()  # one worker, in the training thread: batches come in order
        if formulation not in binary.FORMULATIONS:
            raise MisuseError(f"formulation must be one of {binary.FORMULATIONS}, got {formulation!r}")
        require_int("bits", bits, minimum=1, maximum=binary.MAX_OPERAND_BITS)
        for name, value in (("batch_size", batch_size), ("batches", batches), ("per_sequence", per_sequence)):
            require_positive_int(name, value)
        require_int("seed", seed, minimum=0)
        if formulation == "tutorial" and per_sequence != 1:
            raise MisuseError("only serial problems can be joined (per_sequence must be 1)")
        self.formulation, self.bits, self.batch_size = formulation, bits, batch_size
        self.batches, self.seed, self.per_sequence = batches, seed, per_sequence
        self.epoch = 0

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return binary.sampled_batch(self.formulation, self.bits, self.batch_size, self.per_sequence,
                                    self.seed, self.epoch, index)

    def on_epoch_end(self) -> None:
        self.epoch += 1


class UntilExact(keras.callbacks.Callback):
    """Stop training at the end of the first epoch after which every training pair is right.

    Checking all pairs costs a sizeable part of an epoch (docs/binary_addition.md), so a fixed probe of
    `probe_size` pairs is checked first: one wrong probe pair proves the whole set is not yet right
    and the full check is skipped. The full check alone decides success.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, probe_size: int = 2048, seed: int = 0):
        super().__init__()
        require_positive_int("probe_size", probe_size)
        if len(x) != len(y) or len(x) == 0:
            raise MisuseError(f"x and y must be non-empty and of equal length, got {len(x)} and {len(y)}")
        self.x, self.y = x, y
        probe = np.random.default_rng(seed).choice(len(x), size=min(probe_size, len(x)), replace=False)
        self.probe_x, self.probe_y = x[probe], y[probe]
        self.exact_epoch: int | None = None
        self.exact_seconds: float | None = None
        self._started = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not binary.exact_rows(self.model, self.probe_x, self.probe_y).all():
            return
        if binary.exact_rows(self.model, self.x, self.y).all():
            self.exact_epoch = epoch + 1
            self.exact_seconds = time.perf_counter() - self._started
            self.model.stop_training = True


def as_history(fitted: keras.callbacks.History, seconds: float) -> History:
    """`fit`'s per-epoch loss and bit accuracy, and the `seconds` it took, as the run's `History`."""
    return History(loss=[float(v) for v in fitted.history["loss"]],
                   accuracy=[float(v) for v in fitted.history.get("binary_accuracy", [])], seconds=seconds,
                   accuracy_label="per-bit accuracy")
