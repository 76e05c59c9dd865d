"""The echo tutorial's data and its named extensions: linear values, masked windows, variants.

The tutorial draws a fresh 25-long random sequence, one-hot encodes it and frames it into windows
with pandas `shift`, dropping the incomplete first windows. Here the same windows come with two
options the tutorial lists as extensions: a linear (0-1 scaled) encoding for regression, and
padding the incomplete windows (then masked) instead of dropping them. Every window also carries
its integers (-1 where padded) so that evaluation counts only real items.
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass

import numpy as np

from common import cli, data, encoding, reporting, resources
from common.checks import MisuseError, require_int, require_positive_int

ENCODINGS = ("onehot", "linear")
KINDS = ("full", "partial")
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


def encode(task: EchoTask, sequence: list[int]) -> np.ndarray:
    """A sequence of ints -> (length, width) float32: one-hot, or scaled by 1/(n_values-1)."""
    values = np.asarray(sequence, dtype=np.int64)
    if task.encoding == "onehot":
        return encoding.one_hot(values, task.n_values)
    if values.size and (values.min() < 0 or values.max() >= task.n_values):
        raise MisuseError(f"values must be in 0..{task.n_values - 1}")
    return (values.astype(np.float32) / (task.n_values - 1))[:, None]


def decode(task: EchoTask, outputs: np.ndarray) -> np.ndarray:
    """Model outputs (..., width) -> ints: argmax (one-hot) or the nearest in-range integer (linear)."""
    outputs = np.asarray(outputs)
    if outputs.ndim < 1 or outputs.shape[-1] != task.width:
        raise MisuseError(f"outputs must end in an axis of {task.width}, got shape {outputs.shape}")
    if task.encoding == "onehot":
        return encoding.one_hot_decode(outputs)
    scaled = np.round(outputs[..., 0].astype(np.float64) * (task.n_values - 1))
    return np.clip(scaled, 0, task.n_values - 1).astype(np.int64)


def sequence_windows(task: EchoTask, sequence: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sequence -> (x, y, expected ints) windows, the tutorial's `to_supervised` framing.

    Without masking this is exactly `data.frame_windows` on the encoded sequence (the pandas
    shift-and-dropna windows). With masking the sequence is first padded in front with n_in-1
    `pad_value` steps, so the incomplete windows are kept; their missing items read -1 in the ints.
    """
    encoded = encode(task, sequence)
    ints = np.asarray(sequence, dtype=np.int64)[:, None]
    if task.mask:
        pad = task.n_in - 1
        encoded = np.concatenate([np.full((pad, task.width), task.pad_value, np.float32), encoded])
        ints = np.concatenate([np.full((pad, 1), -1, np.int64), ints])
    x, y = data.frame_windows(encoded, task.n_in, task.n_out)
    _, expected = data.frame_windows(ints, task.n_in, task.n_out)
    return x, y, expected[..., 0]


def draw_windows(task: EchoTask, n_sequences: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n_sequences` fresh random sequences, framed and concatenated in draw order."""
    require_positive_int("n_sequences", n_sequences)
    framed = [sequence_windows(task, data.random_sequence(task.length, task.n_values, rng))
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
        return reporting.sequence_row(expected, predicted)
    return "Expected: %s Predicted %s" % (_shown(expected, real), _shown(predicted, real))


def add_arguments(parser: argparse.ArgumentParser, kind: str, units: int) -> None:
    """The echo scripts' own options; defaults are the tutorial's."""
    if kind not in KINDS:
        raise MisuseError(f"kind must be one of {KINDS}, got {kind!r}")
    require_positive_int("units", units)
    task = parser.add_argument_group("echo options")
    task.add_argument("--length", type=cli.positive_int, default=25, help="items per random sequence")
    task.add_argument("--values", type=cli.positive_int, default=100,
                      help="size of the integer range: items are 0..VALUES-1")
    task.add_argument("--n-in", type=cli.positive_int, default=5, help="items per input window")
    if kind == "partial":
        task.add_argument("--n-out", type=cli.positive_int, default=2,
                          help="echo the first N_OUT items of each window (<= n_in)")
    task.add_argument("--encoding", choices=ENCODINGS, default="onehot",
                      help="onehot: classification (the tutorial); linear: 0-1 scaled ints, regression")
    task.add_argument("--mask", action="store_true",
                      help="pad and mask the incomplete first windows instead of dropping them")
    task.add_argument("--stateless", action="store_true",
                      help="stateless LSTM, batch 1 unless --batch-size: the tutorial's 'ignore state' extension")
    task.add_argument("--batch-size", type=cli.positive_int, default=None,
                      help="batch size (default: the tutorial's, 1 with --stateless); must divide the "
                           "windows per sequence")
    task.add_argument("--units", type=cli.positive_int, default=units, help="LSTM units per layer")
    task.add_argument("--eval-sequences", type=cli.positive_int, default=100,
                      help="fresh sequences the summary is computed over (rows show the first)")


def task_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace, kind: str,
                   tutorial_batch: int | None) -> tuple[EchoTask, int]:
    """The task and batch size the arguments ask for, or one line on stderr and exit 2.

    `tutorial_batch` None means one batch per sequence (the encoder-decoder's 21).
    """
    n_out = getattr(args, "n_out", args.n_in)
    try:
        task = EchoTask(args.length, args.values, args.n_in, n_out, args.encoding, args.mask)
    except ValueError as error:
        parser.error(str(error))
    samples = task.samples_per_sequence
    resources.require_fits(memory_need(task, args.batch_size or 1, args.units, args.epochs, args.eval_sequences),
                           "--length, --values, --n-in, --units, --batch-size and --eval-sequences")
    if args.batch_size is not None:
        batch = args.batch_size
    elif args.stateless:
        batch = 1
    else:
        batch = tutorial_batch or samples
    if samples % batch:
        small = [d for d in range(1, math.isqrt(samples) + 1) if samples % d == 0]
        divisors = sorted(set(small + [samples // d for d in small]))
        parser.error(f"batch size {batch} must divide the {samples} windows per sequence "
                     f"(allowed: {', '.join(map(str, divisors))}); choose --batch-size")
    return task, batch


def memory_need(task: EchoTask, batch_size: int, units: int, epochs: int, eval_sequences: int) -> resources.Need:
    """What a run of these settings holds at once, at most (`resources.require_fits` checks it)."""
    samples = task.samples_per_sequence
    sequence_floats = samples * (task.n_in + task.n_out) * task.width + task.length * task.width
    return resources.Need(
        array_floats=resources.stream_floats(sequence_floats, epochs, max(1, samples // batch_size))
        + eval_sequences * sequence_floats,
        parameters=2 * resources.lstm_parameters(units, task.width) + resources.dense_parameters(task.width, units),
        recurrent_floats=2 * resources.recurrent_floats(batch_size, task.n_in, units),
    )
