"""The tutorials' data generators, with their exact semantics.

Random integers come from Python's `random` module, as in the tutorials, so that `seed(1)`
reproduces their printed examples. Everything that is not a random draw is vectorised numpy.
"""

from __future__ import annotations

import random

import numpy as np

from common.checks import MisuseError, require_int, require_positive_int

MAX_BITS = 24


def random_sum_pairs(
    n_examples: int, n_numbers: int, largest: int, rng: random.Random | None = None
) -> tuple[list[list[int]], list[int]]:
    """`n_examples` lists of `n_numbers` ints in [1, largest] and their sums (the tutorial's draw)."""
    require_positive_int("n_examples", n_examples)
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("largest", largest)
    draw = (rng or random).randint
    operands = [[draw(1, largest) for _ in range(n_numbers)] for _ in range(n_examples)]
    return operands, [sum(row) for row in operands]


def scaled_sum_pairs(
    n_examples: int, n_numbers: int, largest: int, rng: random.Random | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Operands and sums as floats divided by `largest * n_numbers`, as the regression tutorial does."""
    operands, sums = random_sum_pairs(n_examples, n_numbers, largest, rng)
    scale = float(largest * n_numbers)
    return np.array(operands, dtype=np.float32) / scale, np.array(sums, dtype=np.float32) / scale


def input_width(n_numbers: int, largest: int) -> int:
    """The tutorial's question width, `n_numbers * ceil(log10(largest+1)) + n_numbers - 1`, counted in
    digits (a float logarithm miscounts numbers of 16 digits and more)."""
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("largest", largest)
    return n_numbers * len(str(largest)) + n_numbers - 1


def output_width(n_numbers: int, largest: int) -> int:
    """The tutorial's answer width, `ceil(log10(n_numbers * (largest+1)))`, counted in digits."""
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("largest", largest)
    return len(str(n_numbers * (largest + 1) - 1))


def pad_left(text: str, width: int) -> str:
    """`text` right-aligned in `width` characters; refuses (never truncates) text that is too wide."""
    require_positive_int("width", width)
    if len(text) > width:
        raise MisuseError(f"{text!r} is {len(text)} characters, wider than its padding of {width}")
    return text.rjust(width)


def random_sequence(length: int, n_values: int, rng: random.Random | None = None) -> list[int]:
    """`length` random ints in [0, n_values-1] (the echo tutorial's `generate_sequence`)."""
    require_positive_int("length", length)
    require_positive_int("n_values", n_values)
    draw = (rng or random).randint
    return [draw(0, n_values - 1) for _ in range(length)]


def _check_framing(sequence: np.ndarray, n_in: int, n_out: int) -> None:
    require_positive_int("n_in", n_in)
    require_positive_int("n_out", n_out)
    if n_out > n_in:
        raise MisuseError(f"n_out={n_out} must be <= n_in={n_in}")
    if sequence.ndim != 2 or len(sequence) < n_in:
        raise MisuseError(
            f"sequence must be 2-D (steps, features) with at least n_in={n_in} steps, "
            f"got shape {sequence.shape}"
        )


def frame_windows(sequence: np.ndarray, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The echo tutorial's `to_supervised` (lagged copies with pandas `shift`, incomplete rows
    dropped) by fancy indexing, in the input's dtype: window t holds steps t-n_in+1..t, and its
    target is the window's first (oldest) `n_out` steps. The tests check it against pandas."""
    sequence = np.asarray(sequence)
    _check_framing(sequence, n_in, n_out)
    starts = np.arange(len(sequence) - n_in + 1)[:, None]
    x = sequence[starts + np.arange(n_in)[None, :]]
    return x, x[:, :n_out].copy()


def memory_sequences(lag: int = 3) -> tuple[list[int], list[int]]:
    """The memory demo's two sequences, `[K, 0..K-1, K]` and `[K+1, 0..K-1, K+1]` for lag K.

    K=3 gives the tutorial's `3,0,1,2,3` and `4,0,1,2,4`.
    """
    require_positive_int("lag", lag)
    middle = list(range(lag))
    return [lag, *middle, lag], [lag + 1, *middle, lag + 1]


def next_step_pairs(encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x_t -> x_t+1) pairs of an encoded sequence, each input one time step: X (n-1, 1, w), y (n-1, w)."""
    encoded = np.asarray(encoded)
    if encoded.ndim != 2 or len(encoded) < 2:
        raise MisuseError(f"encoded must be 2-D with at least 2 steps, got shape {encoded.shape}")
    return encoded[:-1, None, :], encoded[1:]


def all_operand_pairs(bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b) of `bits`-bit unsigned ints, a-major: 4**bits pairs, as int64 arrays."""
    require_int("bits", bits, minimum=1, maximum=MAX_BITS // 2)
    values = np.arange(2**bits, dtype=np.int64)
    return np.repeat(values, values.size), np.tile(values, values.size)
