"""Binary addition data in two formulations, generated as arrays or as a bounded stream of batches.

The tutorial's formulation reads all bits of a, then all bits of b (MSB first) and outputs the
bits+1 bits of a+b at once: a lookup table for one operand width. The serial formulation feeds
one bit position per time step, least significant first, as the pair (a_i, b_i), and asks for
the sum bit at every step plus a final carry step: the written-addition algorithm, which works
at any length. Operands wider than 62 bits do not fit an int64, so long test pairs are drawn
and added as bit arrays (ripple carry, vectorised over the samples).
"""

from __future__ import annotations

import time
import weakref
from typing import Callable

import keras
import numpy as np

from common import backends
from common.runtime import resources
from common.checks import MisuseError, require_fraction, require_int, require_positive_int
from common.data import MAX_BITS
from common.encoding import to_bits

FORMULATIONS = ("tutorial", "serial")
SERIAL_LOSSES = ("binary_crossentropy", "mean_squared_error")
MAX_OPERAND_BITS = MAX_BITS // 2
"""Widest operands whose pairs are enumerated or sampled by index (4**12 = 16.7 million pairs)."""


def pair_count(bits: int) -> int:
    """How many pairs of `bits`-bit operands there are: 4**bits."""
    require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
    return 4**bits


def pairs_from_indices(indices: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair number i -> (i >> bits, i & (2**bits - 1)): the a-major order of `all_operand_pairs`."""
    require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
    indices = np.asarray(indices)
    if not np.issubdtype(indices.dtype, np.integer):
        raise MisuseError(f"indices must be integers, got dtype {indices.dtype}")
    indices = indices.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= 4**bits):
        raise MisuseError(f"pair indices must be in [0, {4**bits}), got {indices.min()}..{indices.max()}")
    return indices >> bits, indices & (2**bits - 1)


def sample_operand_pairs(n_pairs: int, bits: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n_pairs` pairs drawn uniformly (with replacement) from all 4**bits pairs."""
    require_positive_int("n_pairs", n_pairs)
    if not isinstance(rng, np.random.Generator):
        raise MisuseError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return pairs_from_indices(rng.integers(0, pair_count(bits), size=n_pairs), bits)


def tutorial_arrays(a: np.ndarray, b: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """x: bits of a then bits of b, MSB first, as (n, 2*bits, 1); y: the bits+1 bits of a+b."""
    a, b = _operands(a, b, bits)
    x = np.concatenate([to_bits(a, bits), to_bits(b, bits)], axis=1)
    return x[..., None].astype(np.float32), to_bits(a + b, bits + 1).astype(np.float32)


def serial_arrays(a: np.ndarray, b: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """x: (a_i, b_i) per step, LSB first, then a (0, 0) carry step: (n, bits+1, 2); y: (n, bits+1, 1)."""
    a, b = _operands(a, b, bits)
    return serial_from_bits(to_bits(a, bits, lsb_first=True), to_bits(b, bits, lsb_first=True))


def random_bit_pairs(n_pairs: int, bits: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two (n_pairs, bits) arrays of uniformly random bits, LSB first: operands of any width."""
    require_positive_int("n_pairs", n_pairs)
    require_positive_int("bits", bits)
    if not isinstance(rng, np.random.Generator):
        raise MisuseError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    drawn = rng.integers(0, 2, size=(2, n_pairs, bits), dtype=np.int8)
    return drawn[0], drawn[1]


def add_bits(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """The bits+1 sum bits (LSB first) of two (n, bits) LSB-first bit arrays: ripple carry."""
    a_bits, b_bits = _bit_arrays(a_bits, b_bits)
    n, bits = a_bits.shape
    total = np.zeros((n, bits + 1), dtype=np.int8)
    carry = np.zeros(n, dtype=np.int8)
    for i in range(bits):
        column = a_bits[:, i] + b_bits[:, i] + carry
        total[:, i] = column & 1
        carry = column >> 1
    total[:, bits] = carry
    return total


def serial_from_bits(a_bits: np.ndarray, b_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The serial formulation of two (n, bits) LSB-first bit arrays: x (n, bits+1, 2), y (n, bits+1, 1)."""
    a_bits, b_bits = _bit_arrays(a_bits, b_bits)
    n, bits = a_bits.shape
    x = np.zeros((n, bits + 1, 2), dtype=np.float32)
    x[:, :bits, 0], x[:, :bits, 1] = a_bits, b_bits
    return x, add_bits(a_bits, b_bits)[..., None].astype(np.float32)


def formulation_arrays(formulation: str, a: np.ndarray, b: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """`tutorial_arrays` or `serial_arrays`, by name."""
    if formulation == "tutorial":
        return tutorial_arrays(a, b, bits)
    if formulation == "serial":
        return serial_arrays(a, b, bits)
    raise MisuseError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")


def chain_problems(x: np.ndarray, y: np.ndarray, per_sequence: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle serial problems and join `per_sequence` of them end to end into one sequence each.

    Each problem ends with its (0, 0) carry step, after which the carry is 0 again, so a joined
    sequence is a stream of independent additions that the LSTM reads without a state reset. A
    model trained only from a zero state on 9-step problems may keep an unbounded, still-drifting
    state; reading many problems in one go forces a state that returns to the same few values.
    """
    require_positive_int("per_sequence", per_sequence)
    if x.ndim != 3 or y.ndim != 3 or len(x) != len(y) or len(x) % per_sequence:
        raise MisuseError(f"need serial arrays whose {len(x)} problems divide into groups of {per_sequence}")
    if not isinstance(rng, np.random.Generator):
        raise MisuseError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    order = rng.permutation(len(x))
    steps = x.shape[1] * per_sequence
    return x[order].reshape(-1, steps, x.shape[2]), y[order].reshape(-1, steps, y.shape[2])


def sums_from_outputs(formulation: str, outputs: np.ndarray) -> np.ndarray:
    """Model outputs -> rounded sum bits, MSB first, (n, bits+1): the tutorial's printed order."""
    outputs = np.rint(np.asarray(outputs, dtype=np.float64)).clip(0, 1).astype(np.int8)
    if formulation == "tutorial":
        return outputs
    if formulation == "serial":
        return outputs[..., 0][:, ::-1]
    raise MisuseError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")


EVALUATION_CHUNK = 2000
"""Random pairs of a test width encoded and evaluated at a time."""


def memory_need(formulation: str, bits: int, pairs: int, units: int, batch_size: int, chain: int,
                widest_test: int = 0) -> resources.Need:
    """What a run holds at once, at most (`resources.require_fits` checks it): `pairs` encoded
    (with their integer bits, the chained copy and the backend's copy for `fit`), a batch's
    backward pass, and a chunk of the widest test pairs with the LSTM's outputs over them."""
    serial = formulation == "serial"
    steps = bits + 1 if serial else 2 * bits
    per_pair = 3 * (bits + 1) if serial else 2 * bits + bits + 1
    test_floats = EVALUATION_CHUNK * (widest_test + 1) * (9 + 2 * units) if widest_test else 0
    return resources.Need(
        array_floats=4 * pairs * per_pair + 2 * batch_size * chain * per_pair + test_floats,
        parameters=resources.lstm_parameters(units, 2 if serial else 1)
        + resources.dense_parameters(1 if serial else bits + 1, units),
        recurrent_floats=resources.recurrent_floats(batch_size, chain * steps, units),
    )


class SampledPairs(keras.utils.PyDataset):
    """Each epoch, `batches` batches of pairs drawn uniformly from all 4**bits, encoded on demand.

    Memory stays at one batch however many pairs there are: nothing is enumerated. Batch `index`
    of epoch `e` is drawn from its own generator seeded with (seed, e, index), so the same seed
    gives the same stream on every backend. Serial problems are joined `per_sequence` at a time,
    as `chain_problems` joins them.
    """

    def __init__(self, formulation: str, bits: int, batch_size: int, batches: int, seed: int,
                 per_sequence: int = 1):
        super().__init__()  # one worker, in the training thread: batches come in order
        if formulation not in FORMULATIONS:
            raise MisuseError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")
        require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
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
        rng = np.random.default_rng([self.seed, self.epoch, index])
        a, b = sample_operand_pairs(self.batch_size * self.per_sequence, self.bits, rng)
        x, y = formulation_arrays(self.formulation, a, b, self.bits)
        if self.formulation == "serial":
            x = x.reshape(self.batch_size, -1, x.shape[2])
            y = y.reshape(self.batch_size, -1, y.shape[2])
        return x, y

    def on_epoch_end(self) -> None:
        self.epoch += 1


def _operands(a: np.ndarray, b: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise MisuseError(f"a and b must be non-empty 1-D arrays of one shape, got {a.shape} and {b.shape}")
    return a, b


def _bit_arrays(a_bits: np.ndarray, b_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a_bits, b_bits = np.asarray(a_bits), np.asarray(b_bits)
    if a_bits.shape != b_bits.shape or a_bits.ndim != 2 or a_bits.size == 0:
        raise MisuseError(
            f"a_bits and b_bits must be non-empty (n, bits) arrays of one shape, got {a_bits.shape} and {b_bits.shape}")
    if not (np.isin(a_bits, (0, 1)).all() and np.isin(b_bits, (0, 1)).all()):
        raise MisuseError("a_bits and b_bits must hold only 0s and 1s")
    return a_bits.astype(np.int8), b_bits.astype(np.int8)


SERIAL_RECURRENT_DROPOUT = 0.1
"""Dropout on the serial LSTM's recurrent state in training: noise the carry must survive."""


def serial_adder(units: int = 4, loss: str = "binary_crossentropy", learning_rate: float = 0.001,
                 recurrent_dropout: float = 0.0) -> keras.Model:
    """LSTM(units, return_sequences) -> Dense(1, sigmoid) at every step, over any number of steps.

    The input length is left open (None) so that a model trained on 8-bit pairs adds 64-bit ones.
    `recurrent_dropout` drops parts of the state fed back at each training step. A model trained
    without it can keep its carry only approximately: right over the short problems it was trained
    on, wrong now and then on long inputs. Trained to survive the noise, the carry
    becomes a state the model returns to (docs/binary_addition.md has the widths measured).
    """
    require_positive_int("units", units)
    require_fraction("recurrent_dropout", recurrent_dropout)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise MisuseError(f"learning_rate must be a positive number, got {learning_rate!r}")
    if loss not in SERIAL_LOSSES:
        raise MisuseError(f"loss must be one of {SERIAL_LOSSES}, got {loss!r}")
    model = keras.Sequential([
        keras.Input(shape=(None, 2)),
        keras.layers.LSTM(units, return_sequences=True, recurrent_dropout=recurrent_dropout),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss=loss, optimizer=keras.optimizers.Adam(learning_rate), metrics=["binary_accuracy"])
    return model


def exact_rows(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    """For each sample, whether every rounded output bit equals its target (inference mode).

    The model runs as one compiled graph: an eager call steps the recurrent loop in Python (5-9x
    slower over long inputs), `predict` costs a new data iterator per call (most of a small
    epoch when checked every epoch), and `predict_on_batch` returned every row twice under
    MirroredStrategy.
    """
    require_positive_int("batch_size", batch_size)
    if len(x) != len(y) or len(x) == 0:
        raise MisuseError(f"x and y must be non-empty and of equal length, got {len(x)} and {len(y)}")
    forward = _compiled_inference(model)
    hits = np.empty(len(x), dtype=bool)
    for start in range(0, len(x), batch_size):
        stop = start + batch_size
        predicted = np.rint(forward(x[start:stop]))
        hits[start:stop] = (predicted == y[start:stop]).reshape(len(predicted), -1).all(axis=1)
    return hits


_INFERENCE: "weakref.WeakKeyDictionary[keras.Model, Callable[[np.ndarray], np.ndarray]]" = (
    weakref.WeakKeyDictionary())


def _compiled_inference(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(model, keras.Model):
        raise MisuseError(f"model must be a keras.Model, got {type(model).__name__}")
    if model not in _INFERENCE:
        _INFERENCE[model] = backends.current().compiled_inference(model)
    return _INFERENCE[model]


class UntilExact(keras.callbacks.Callback):
    """Stop training at the end of the first epoch after which every training pair is right.

    Checking all pairs costs about a third of an epoch of the tutorial's model, so a fixed probe of
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
        self.full_checks = 0
        self._started = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not exact_rows(self.model, self.probe_x, self.probe_y).all():
            return
        self.full_checks += 1
        if exact_rows(self.model, self.x, self.y).all():
            self.exact_epoch = epoch + 1
            self.exact_seconds = time.perf_counter() - self._started
            self.model.stop_training = True
