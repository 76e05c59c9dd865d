"""Binary addition: the pairs, their two formulations, the printed rows, and how right a model is.

The tutorial's formulation reads all bits of a, then all bits of b (MSB first) and outputs the
bits+1 bits of a+b at once: a lookup table for one operand width. The serial formulation feeds
one bit position per time step, least significant first, as the pair (a_i, b_i), and asks for
the sum bit at every step plus a final carry step: the written-addition algorithm, which works
at any length. Operands wider than 62 bits do not fit an int64, so long test pairs are drawn
and added as bit arrays (ripple carry, vectorised over the samples).

A model is scored on whole sums (every bit right), never on single bits: 8 of 9 bits right is a
wrong sum. Importing this module does not import Keras: a model is run through the backend's
compiled forward pass (`common/backends/`).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from common import backends
from common.checks import MisuseError, require_int, require_positive_int

if TYPE_CHECKING:
    import keras

FORMULATIONS = ("tutorial", "serial")
MAX_OPERAND_BITS = 12
"""Widest operands whose pairs are enumerated or sampled by index (4**12 = 16.7 million pairs)."""
ALL_PAIRS_LIMIT = 4**10
"""Up to this many pairs (10 bits) are enumerated in memory; beyond it pairs are sampled per epoch."""
EVALUATION_CHUNK = 2000
"""Random pairs of a test width encoded and evaluated at a time."""
LIMIT_SEARCH_MAX_BITS = 4096
"""The widest operands the width search tries."""


def to_bits(values: np.ndarray | Sequence[int] | int, bits: int, lsb_first: bool = False) -> np.ndarray:
    """Non-negative ints -> `bits` binary digits on a new last axis (MSB first unless `lsb_first`)."""
    require_int("bits", bits, minimum=1, maximum=62)
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.integer):
        raise MisuseError(f"values must be integers, got dtype {values.dtype}")
    values = values.astype(np.int64)
    if values.size and (values.min() < 0 or values.max() >= 2**bits):
        bad = values[(values < 0) | (values >= 2**bits)].flat[0]
        raise MisuseError(f"value {bad} does not fit in {bits} bits (allowed 0..{2**bits - 1})")
    shifts = np.arange(bits, dtype=np.int64)
    if not lsb_first:
        shifts = shifts[::-1]
    return ((values[..., None] >> shifts) & 1).astype(np.int8)


def from_bits(bit_array: np.ndarray | Sequence[int], lsb_first: bool = False) -> np.ndarray:
    """Binary digits on the last axis -> ints; the inverse of `to_bits`. Rounds probabilities first."""
    bit_array = np.asarray(bit_array)
    if bit_array.ndim < 1 or not 1 <= bit_array.shape[-1] <= 62:
        raise MisuseError(f"bit_array needs 1..62 bits on its last axis, got shape {bit_array.shape}")
    rounded = np.rint(bit_array.astype(np.float64))
    if ((rounded != 0) & (rounded != 1)).any():
        raise MisuseError("bit_array must hold values that round to 0 or 1")
    bits = bit_array.shape[-1]
    shifts = np.arange(bits, dtype=np.int64)
    if not lsb_first:
        shifts = shifts[::-1]
    return (rounded.astype(np.int64) << shifts).sum(axis=-1)


def all_operand_pairs(bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b) of `bits`-bit unsigned ints, a-major: 4**bits pairs, as int64 arrays."""
    require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
    values = np.arange(2**bits, dtype=np.int64)
    return np.repeat(values, values.size), np.tile(values, values.size)


def pair_count(bits: int) -> int:
    """How many pairs of `bits`-bit operands there are: 4**bits."""
    require_int("bits", bits, minimum=1, maximum=MAX_OPERAND_BITS)
    return 4**bits


def enumerates_all(bits: int, pairs_per_epoch: int | None) -> bool:
    """Whether a run holds every pair of `bits`-bit operands as arrays (else it samples them):
    when no sample size is asked for and there are at most ALL_PAIRS_LIMIT pairs."""
    return pairs_per_epoch is None and pair_count(bits) <= ALL_PAIRS_LIMIT


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


def sampled_batch(formulation: str, bits: int, batch_size: int, per_sequence: int, seed: int, epoch: int,
                  index: int) -> tuple[np.ndarray, np.ndarray]:
    """Batch `index` of epoch `epoch` of a stream of pairs drawn uniformly from all 4**bits.

    Each batch is drawn from its own generator, seeded with (seed, epoch, index), so the same seed
    gives the same stream on every backend whatever reads it. Serial problems are joined
    `per_sequence` at a time, as `chain_problems` joins them.
    """
    require_positive_int("batch_size", batch_size)
    require_positive_int("per_sequence", per_sequence)
    if formulation == "tutorial" and per_sequence != 1:
        raise MisuseError("only serial problems can be joined (per_sequence must be 1)")
    rng = np.random.default_rng([seed, epoch, index])
    a, b = sample_operand_pairs(batch_size * per_sequence, bits, rng)
    x, y = formulation_arrays(formulation, a, b, bits)
    if formulation == "serial":
        x = x.reshape(batch_size, -1, x.shape[2])
        y = y.reshape(batch_size, -1, y.shape[2])
    return x, y


def sums_from_outputs(formulation: str, outputs: np.ndarray) -> np.ndarray:
    """Model outputs -> rounded sum bits, MSB first, (n, bits+1): the tutorial's printed order."""
    outputs = np.rint(np.asarray(outputs, dtype=np.float64)).clip(0, 1).astype(np.int8)
    if formulation == "tutorial":
        return outputs
    if formulation == "serial":
        return outputs[..., 0][:, ::-1]
    raise MisuseError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")


def bits_row(bits: np.ndarray) -> str:
    """`[1 0 0 1 1 1 0 1]: 157`, one row of the binary-addition tutorial (MSB first)."""
    bits = np.asarray(bits).astype(np.int64)
    if bits.ndim != 1 or bits.size == 0 or not np.isin(bits, (0, 1)).all():
        raise MisuseError(f"bits must be a non-empty 1-D array of 0s and 1s, got {bits!r}")
    return "[%s]: %d" % (" ".join(str(b) for b in bits), int(from_bits(bits)))


def pair_rows(a: int, b: int, bits: int, predicted: np.ndarray) -> str:
    """The tutorial's three rows (a, b, the predicted sum, MSB first) under a rule of `=`; a wrong
    sum is marked, which the tutorial never needed to do."""
    right = int(from_bits(predicted)) == a + b
    return "\n".join(["=" * 30, bits_row(to_bits(a, bits)), bits_row(to_bits(b, bits)),
                      bits_row(predicted) + ("" if right else f"   <- wrong, {a}+{b}={a + b}")])


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


def exact_at_width(model: keras.Model, bits: int, n_pairs: int, rng: np.random.Generator) -> float:
    """Exact-match rate of a serial model on `n_pairs` random pairs of `bits`-bit operands, drawn
    and checked EVALUATION_CHUNK at a time."""
    require_positive_int("n_pairs", n_pairs)
    hits = 0
    for start in range(0, n_pairs, EVALUATION_CHUNK):
        count = min(EVALUATION_CHUNK, n_pairs - start)
        x, y = serial_from_bits(*random_bit_pairs(count, bits, rng))
        hits += int(exact_rows(model, x, y, batch_size=count).sum())
    return hits / n_pairs


def exact_by_width(exact_at: Callable[[int], float],
                   start_bits: int) -> tuple[int | None, int | None, dict[int, float]]:
    """(largest width found all right, smallest width found wrong, the exact-match rate at every
    width measured), where `exact_at(width)` measures the rate: doubling from `start_bits` up to
    LIMIT_SEARCH_MAX_BITS, or to a width with none right, then bisection between the last width
    all right and the first one wrong.

    The doubling goes on past the first failure so that the rates also show how the exact-match
    rate falls with width.
    """
    require_positive_int("start_bits", start_bits)
    rates: dict[int, float] = {}
    width = start_bits
    while width <= LIMIT_SEARCH_MAX_BITS and (not rates or min(rates.values()) > 0):
        rates[width] = exact_at(width)
        width *= 2
    bad = next((w for w in rates if rates[w] < 1.0), None)
    good = max((w for w in rates if bad is None or w < bad), default=None)
    while good is not None and bad is not None and bad - good > 1:
        middle = (good + bad) // 2
        rates[middle] = exact_at(middle)
        if rates[middle] < 1.0:
            bad = middle
        else:
            good = middle
    return good, bad, dict(sorted(rates.items()))


_INFERENCE: "weakref.WeakKeyDictionary[keras.Model, Callable[[np.ndarray], np.ndarray]]" = (
    weakref.WeakKeyDictionary())


def _compiled_inference(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    if model not in _INFERENCE:
        _INFERENCE[model] = backends.current().compiled_inference(model)
    return _INFERENCE[model]


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
