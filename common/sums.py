"""The two mapping tutorials' data: random integers, their sum, both scaled to [0, 1], and back.

`addition_mapping.py` (an LSTM) and `addition_mlp.py` (an MLP) learn the same examples. Random
integers come from Python's `random` module, as in the tutorials, so that `seed(1)` reproduces
their printed examples; the scaling divides by the largest possible sum, `largest * n_numbers`.
"""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np

from common.checks import MisuseError, require_positive_int


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
    """Operands and sums as floats divided by `largest * n_numbers`, as the tutorials do."""
    operands, sums = random_sum_pairs(n_examples, n_numbers, largest, rng)
    scale = float(largest * n_numbers)
    return np.array(operands, dtype=np.float32) / scale, np.array(sums, dtype=np.float32) / scale


def invert_scaled(values: np.ndarray, n_numbers: int, largest: int) -> np.ndarray:
    """Scaled predictions -> nearest integers: the tutorial's `round(value * largest * n_numbers)`."""
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("largest", largest)
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise MisuseError("values must be finite numbers")
    return np.round(values * float(largest * n_numbers)).astype(np.int64)


def rmse(expected: Sequence[float], predicted: Sequence[float]) -> float:
    """Root mean squared error: the tutorial's `sqrt(mean_squared_error(expected, predicted))`, with
    numpy's mean instead of scikit-learn's, which would cost a short run's start-up more than its
    evaluation (the tests check both give the same figure)."""
    if len(expected) != len(predicted) or len(expected) == 0:
        raise MisuseError(f"expected and predicted must be non-empty and of equal length, "
                         f"got {len(expected)} and {len(predicted)}")
    errors = np.asarray(expected, dtype=np.float64) - np.asarray(predicted, dtype=np.float64)
    return float(np.sqrt(np.mean(errors**2)))


def print_table(expected: np.ndarray, predicted: np.ndarray, rows: int = 20) -> None:
    """The tutorials' first rows, `Expected=110, Predicted=110 (err=0)`."""
    for e, p in zip(expected[:rows], predicted[:rows]):
        print("Expected=%d, Predicted=%d (err=%d)" % (e, p, e - p))
