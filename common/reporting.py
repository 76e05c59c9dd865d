"""The tutorials' printed rows, and summaries over the whole evaluation set.

The tutorials print 20 rows and let the reader generalise; the summaries here count every sample.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from common.checks import MisuseError, require_int


def _same_length(expected: Sequence, predicted: Sequence) -> None:
    if len(expected) != len(predicted) or len(expected) == 0:
        raise MisuseError(
            f"expected and predicted must be non-empty and of equal length, "
            f"got {len(expected)} and {len(predicted)}"
        )


def rmse(expected: Sequence[float], predicted: Sequence[float]) -> float:
    """Root mean squared error: the tutorial's `sqrt(mean_squared_error(expected, predicted))`, with
    numpy's mean instead of scikit-learn's, which would cost a short run's start-up more than its
    evaluation (the tests check both give the same figure)."""
    _same_length(expected, predicted)
    errors = np.asarray(expected, dtype=np.float64) - np.asarray(predicted, dtype=np.float64)
    return float(np.sqrt(np.mean(errors**2)))


def exact_match(expected: Sequence, predicted: Sequence) -> float:
    """Fraction of samples whose whole answer is right (rows of arrays must match everywhere)."""
    _same_length(expected, predicted)
    hits = [np.array_equal(np.asarray(e), np.asarray(p)) for e, p in zip(expected, predicted)]
    return float(np.mean(hits))


def exact_match_by(groups: Sequence[int], expected: Sequence, predicted: Sequence) -> dict[int, float]:
    """`exact_match` within each group (for example each question's number of terms), smallest first."""
    _same_length(expected, predicted)
    if len(groups) != len(expected):
        raise MisuseError(f"groups must label every sample, got {len(groups)} labels for {len(expected)}")
    return {group: exact_match([e for g, e in zip(groups, expected) if g == group],
                               [p for g, p in zip(groups, predicted) if g == group])
            for group in sorted(set(groups))}


def by_terms_line(title: str, scores: dict[int, float], term_counts: Sequence[int]) -> str:
    """`title: 2 terms 1.000000 (331), 3 terms ...`: each count's figure and how many questions it counts."""
    counts = {count: list(term_counts).count(count) for count in scores}
    return f"{title}: " + ", ".join(f"{count} terms {score:.6f} ({counts[count]})" for count, score in scores.items())


def element_accuracy(expected: np.ndarray, predicted: np.ndarray) -> float:
    """Fraction of individual items (characters, sequence steps, bits) that are right."""
    expected, predicted = np.asarray(expected), np.asarray(predicted)
    if expected.shape != predicted.shape or expected.size == 0:
        raise MisuseError(f"shapes must match and be non-empty, got {expected.shape} and {predicted.shape}")
    return float(np.mean(expected == predicted))


def sum_row(expected: int, predicted: int) -> str:
    """`Expected=110, Predicted=110 (err=0)`, the regression tutorial's row."""
    return "Expected=%d, Predicted=%d (err=%d)" % (expected, predicted, expected - predicted)


def string_row(expected: str, predicted: str) -> str:
    """`Expected=13, Predicted=13`, the sequence-to-sequence tutorial's row."""
    return "Expected=%s, Predicted=%s" % (expected, predicted)


def sequence_row(expected: Sequence[int], predicted: Sequence[int]) -> str:
    """`Expected: [98, 30] Predicted [98, 30]`, the echo tutorial's row."""
    return "Expected: %s Predicted %s" % ([int(v) for v in expected], [int(v) for v in predicted])


def step_row(x: float, y: float, yhat: float) -> str:
    """`X=3.0 y=0.0, yhat=0.0`, the memory demo's row."""
    return "X=%.1f y=%.1f, yhat=%.1f" % (x, y, yhat)


def bits_row(bits: np.ndarray) -> str:
    """`[1 0 0 1 1 1 0 1]: 157`, one row of the binary-addition tutorial (MSB first)."""
    bits = np.asarray(bits).astype(np.int64)
    if bits.ndim != 1 or bits.size == 0 or not np.isin(bits, (0, 1)).all():
        raise MisuseError(f"bits must be a non-empty 1-D array of 0s and 1s, got {bits!r}")
    value = int((bits << np.arange(bits.size)[::-1]).sum())
    return "[%s]: %d" % (" ".join(str(b) for b in bits), value)


def first_rows(rows: Sequence[str], count: int = 20) -> list[str]:
    """The first `count` rows, as the tutorials show them."""
    require_int("count", count, minimum=0)
    return list(rows[:count])


def ends_of(rows: Sequence[str], each: int = 5) -> list[str]:
    """All rows, or for a longer table its first and last `each` with one line counting those left out.

    At a lag of 1000 the memory demo's table has 1001 rows a sequence; the last one is what the
    memory decides, and the summary line counts every step.
    """
    require_int("each", each, minimum=1)
    if len(rows) <= 2 * each + 1:
        return list(rows)
    return [*rows[:each], f"... {len(rows) - 2 * each} more steps ...", *rows[-each:]]


def summary_line(metrics: dict[str, float], n_samples: int) -> str:
    """One line with every metric, over all `n_samples` evaluation samples."""
    require_int("n_samples", n_samples, minimum=1)
    if not metrics:
        raise MisuseError("metrics must not be empty")
    parts = []
    for name, value in metrics.items():
        if isinstance(value, float):
            parts.append(f"{name}={value:.6f}")
        else:
            parts.append(f"{name}={value}")
    return f"Summary over all {n_samples} evaluation samples: " + ", ".join(parts)


def print_sums(expected: Sequence[int], predicted: Sequence[int], metrics: dict[str, float]) -> None:
    """What the two mapping tutorials print: the RMSE, their first rows, then the whole-set summary."""
    print("RMSE: %f" % metrics["rmse"])
    for row in first_rows([sum_row(e, p) for e, p in zip(expected, predicted)]):
        print(row)
    print(summary_line(metrics, len(expected)))
