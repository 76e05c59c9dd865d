"""The echo tutorial's data and its named extensions: linear values, masked windows, variants.

The tutorial draws a fresh 25-long random sequence, one-hot encodes it and frames it into windows
with pandas `shift`, dropping the incomplete first windows. Here the same windows come with two
options the tutorial lists as extensions: a linear (0-1 scaled) encoding for regression, and
padding the incomplete windows (then masked) instead of dropping them. Every window also carries
its integers (-1 where padded) so that evaluation counts only real items.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from common.checks import MisuseError, require_int, require_positive_int

ENCODINGS = ("onehot", "linear")
LINEAR_PAD = -1.0
"""The linear encoding's padding value: outside the 0-1 range of real items."""


@dataclass(frozen=True)
class EchoTask:
    """What one echo experiment frames and how: the tutorial is length 25, 100 values, 5 -> 5 or 2."""

    length: int = 25
    n_values: int = 100
    n_in: int = 5
    n_out: int = 5
    encoding: str = "onehot"
    mask: bool = False

    def __post_init__(self) -> None:
        require_positive_int("length", self.length)
        require_int("n_values", self.n_values, minimum=2)
        require_positive_int("n_in", self.n_in)
        require_positive_int("n_out", self.n_out)
        if self.n_out > self.n_in:
            raise MisuseError(f"n_out={self.n_out} must be <= n_in={self.n_in}")
        if self.length < self.n_in:
            raise MisuseError(f"length={self.length} must be >= n_in={self.n_in}")
        if self.encoding not in ENCODINGS:
            raise MisuseError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}")

    @property
    def width(self) -> int:
        """Features per time step: one-hot width, or 1 for the linear encoding."""
        return self.n_values if self.encoding == "onehot" else 1

    @property
    def samples_per_sequence(self) -> int:
        """Windows per sequence: length - n_in + 1 when dropping incomplete ones (21), else length."""
        return self.length if self.mask else self.length - self.n_in + 1

    @property
    def pad_value(self) -> float:
        """What padded items hold: a zero vector (one-hot) or -1 (linear); the Masking value."""
        return 0.0 if self.encoding == "onehot" else LINEAR_PAD


def random_sequence(length: int, n_values: int, rng: random.Random | None = None) -> list[int]:
    """`length` random ints in [0, n_values-1] (the tutorial's `generate_sequence`)."""
    require_positive_int("length", length)
    require_positive_int("n_values", n_values)
    draw = (rng or random).randint
    return [draw(0, n_values - 1) for _ in range(length)]


def frame_windows(sequence: np.ndarray, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's `to_supervised` (lagged copies with pandas `shift`, incomplete rows dropped)
    by fancy indexing, in the input's dtype: window t holds steps t-n_in+1..t, and its target is
    the window's first (oldest) `n_out` steps. The tests check it against pandas."""
    sequence = np.asarray(sequence)
    require_positive_int("n_in", n_in)
    require_positive_int("n_out", n_out)
    if n_out > n_in:
        raise MisuseError(f"n_out={n_out} must be <= n_in={n_in}")
    if sequence.ndim != 2 or len(sequence) < n_in:
        raise MisuseError(f"sequence must be 2-D (steps, features) with at least n_in={n_in} steps, "
                         f"got shape {sequence.shape}")
    starts = np.arange(len(sequence) - n_in + 1)[:, None]
    x = sequence[starts + np.arange(n_in)[None, :]]
    return x, x[:, :n_out].copy()


def encode(task: EchoTask, sequence: list[int]) -> np.ndarray:
    """A sequence of ints -> (length, width) float32: one-hot, or scaled by 1/(n_values-1)."""
    values = np.asarray(sequence, dtype=np.int64)
    if values.size and (values.min() < 0 or values.max() >= task.n_values):
        raise MisuseError(f"values must be in 0..{task.n_values - 1}")
    if task.encoding == "onehot":  # a 1 at each value's index of n_values
        return (values[:, None] == np.arange(task.n_values)).astype(np.float32)
    return (values.astype(np.float32) / (task.n_values - 1))[:, None]


def decode(task: EchoTask, outputs: np.ndarray) -> np.ndarray:
    """Model outputs (..., width) -> ints: argmax (one-hot) or the nearest in-range integer (linear)."""
    outputs = np.asarray(outputs)
    if outputs.ndim < 1 or outputs.shape[-1] != task.width:
        raise MisuseError(f"outputs must end in an axis of {task.width}, got shape {outputs.shape}")
    if task.encoding == "onehot":
        return outputs.argmax(axis=-1)
    scaled = np.round(outputs[..., 0].astype(np.float64) * (task.n_values - 1))
    return np.clip(scaled, 0, task.n_values - 1).astype(np.int64)


def sequence_windows(task: EchoTask, sequence: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sequence -> (x, y, expected ints) windows, the tutorial's `to_supervised` framing.

    Without masking this is exactly `frame_windows` on the encoded sequence (the pandas
    shift-and-dropna windows). With masking the sequence is first padded in front with n_in-1
    `pad_value` steps, so the incomplete windows are kept; their missing items read -1 in the ints.
    """
    encoded = encode(task, sequence)
    ints = np.asarray(sequence, dtype=np.int64)[:, None]
    if task.mask:
        pad = task.n_in - 1
        encoded = np.concatenate([np.full((pad, task.width), task.pad_value, np.float32), encoded])
        ints = np.concatenate([np.full((pad, 1), -1, np.int64), ints])
    x, y = frame_windows(encoded, task.n_in, task.n_out)
    _, expected = frame_windows(ints, task.n_in, task.n_out)
    return x, y, expected[..., 0]


def draw_windows(task: EchoTask, n_sequences: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n_sequences` fresh random sequences, framed and concatenated in draw order."""
    require_positive_int("n_sequences", n_sequences)
    framed = [sequence_windows(task, random_sequence(task.length, task.n_values, rng))
              for _ in range(n_sequences)]
    return tuple(np.concatenate(parts) for parts in zip(*framed))  # type: ignore[return-value]


def score(expected: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """exact_match (every real item of a window right) and accuracy (per real item); -1 = padding.

    Windows whose targets are all padding (the masked encoder-decoder's first windows) have
    nothing to get right and are left out of exact_match.
    """
    expected, predicted = np.asarray(expected), np.asarray(predicted)
    if expected.shape != predicted.shape or expected.ndim != 2 or expected.size == 0:
        raise MisuseError(f"expected and predicted must be equal non-empty 2-D shapes, "
                         f"got {expected.shape} and {predicted.shape}")
    real = expected >= 0
    scored = real.any(axis=1)
    if not scored.any():
        raise MisuseError("no window holds a real (non-padded) item")
    hits = (expected == predicted) & real
    return {
        "exact_match": float(np.mean((hits | ~real).all(axis=1)[scored])),
        "accuracy": float(hits.sum() / real.sum()),
    }


def _shown(values: np.ndarray, real: np.ndarray) -> str:
    return "[" + ", ".join(str(int(v)) if r else "_" for v, r in zip(values, real)) + "]"


def window_row(expected: np.ndarray, predicted: np.ndarray) -> str:
    """The tutorial's `Expected: [..] Predicted [..]` row; padded items show as `_` on both sides."""
    expected, predicted = np.asarray(expected), np.asarray(predicted)
    if expected.shape != predicted.shape or expected.ndim != 1:
        raise MisuseError(f"expected and predicted must be equal 1-D shapes, got {expected.shape} and {predicted.shape}")
    real = expected >= 0
    if real.all():
        return "Expected: %s Predicted %s" % (expected.tolist(), predicted.tolist())
    return "Expected: %s Predicted %s" % (_shown(expected, real), _shown(predicted, real))
