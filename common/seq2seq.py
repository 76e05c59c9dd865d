"""How the sequence-to-sequence models read questions and write answers.

The questions themselves, as text, are `common/questions.py`'s. The models (in `common/models.py`):
the tutorial's RepeatVector decoder, `models.seq2seq_repeat`, and a decoder fed its own previous
output character, `models.seq2seq_feedback`; either reads one-hot or integer characters, the padding
masked or not. Every variant takes ONE input array, so the shared training loop (`training.train`)
runs them all unchanged: the feedback decoder's input is the question followed by the answer
shifted right by one (teacher forcing), and at evaluation time `answer` fills that second part
greedily with the model's own predictions, one character per pass.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import keras
import numpy as np

from common import models
from common.checks import MisuseError, require_positive_int
from common.questions import PAD

ENCODINGS = models.SEQ2SEQ_ENCODINGS
DECODERS = ("repeat", "feedback")


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MisuseError(f"{name} must be one of {allowed}, got {value!r}")


def _check_alphabet(alphabet: str) -> None:
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise MisuseError(f"alphabet must be a non-empty string of distinct characters, got {alphabet!r}")


def integer_encode(strings: Sequence[str], alphabet: str) -> np.ndarray:
    """Strings of equal length -> (n, length) array of alphabet indices."""
    _check_alphabet(alphabet)
    if len(strings) == 0:
        raise MisuseError("strings must not be empty")
    length = len(strings[0])
    for text in strings:
        if not isinstance(text, str) or len(text) != length:
            raise MisuseError(f"every string must have length {length}, got {text!r}")
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.reshape(len(strings), length)
    alphabet_codes = np.array([ord(c) for c in alphabet], dtype=np.uint32)
    order = np.argsort(alphabet_codes)
    position = np.searchsorted(alphabet_codes[order], codes).clip(max=len(alphabet) - 1)
    found = alphabet_codes[order][position] == codes
    if not found.all():
        row, column = np.argwhere(~found)[0]
        raise MisuseError(
            f"character {strings[row][column]!r} in {strings[row]!r} is not in the alphabet {alphabet!r}"
        )
    return order[position].astype(np.int64)


def integer_decode(indices: np.ndarray, alphabet: str) -> list[str]:
    """(n, length) alphabet indices -> list of strings; the inverse of `integer_encode`."""
    _check_alphabet(alphabet)
    indices = np.asarray(indices)
    if indices.ndim != 2:
        raise MisuseError(f"indices must be 2-D (samples, steps), got shape {indices.shape}")
    _check_indices(indices, len(alphabet))
    chars = np.array(list(alphabet))
    return ["".join(row) for row in chars[indices]]


def _check_indices(indices: np.ndarray, width: int) -> None:
    if not np.issubdtype(indices.dtype, np.integer):
        raise MisuseError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= width):
        bad = indices[(indices < 0) | (indices >= width)].flat[0]
        raise MisuseError(f"index {bad} is outside the one-hot width {width} (allowed 0..{width - 1})")


def encode_text(strings: Sequence[str], alphabet: str, kind: str, zero_pad: bool = False) -> np.ndarray:
    """Equal-length strings -> model input.

    onehot: (n, length, len(alphabet)) floats, the tutorial's; with `zero_pad` the padding
    character becomes an all-zero vector, which `layers.Masking` recognises.
    integer: (n, length) ints with the padding character at 0 (for `Embedding(mask_zero=True)`)
    and every other character at its alphabet index + 1.
    """
    _check_choice("kind", kind, ENCODINGS)
    if alphabet[-1:] != PAD:
        raise MisuseError(f"alphabet must end with the padding character {PAD!r}, got {alphabet!r}")
    indices = integer_encode(strings, alphabet)
    if kind == "integer":
        return ((indices + 1) % len(alphabet)).astype(np.int32)
    vectors = (indices[..., None] == np.arange(len(alphabet))).astype(np.float32)  # a 1 at each character's index
    if zero_pad:
        vectors[indices == len(alphabet) - 1] = 0.0
    return vectors


def training_inputs(questions: np.ndarray, answers: Sequence[str], alphabet: str, kind: str,
                    decoder: str) -> np.ndarray:
    """The model's input for training: the encoded questions, plus for feedback the shifted answers.

    Teacher forcing: decoder step k sees the true character k-1 (step 0 sees the padding character).
    """
    _check_choice("decoder", decoder, DECODERS)
    if decoder == "repeat":
        return questions
    shifted = [PAD + answer[:-1] for answer in answers]
    return np.concatenate([questions, encode_text(shifted, alphabet, kind)], axis=1)


def predict(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """Keras's own `predict`: one compiled function per model, for any number of samples.

    These models are stateless, so batching changes no result; the greedy decoder calls this
    once per answer character, and `training.predict` would retrace on every call. The last batch
    is filled up to a whole one with copies of the last sample (their outputs dropped): Keras
    compiles one function per batch shape, and on JAX a second compilation costs more than the
    extra rows.
    """
    require_positive_int("batch_size", batch_size)
    if len(x) == 0:
        raise MisuseError("x must hold at least one sample")
    batch_size = min(batch_size, len(x))
    short = -len(x) % batch_size
    padded = np.concatenate([x, np.repeat(x[-1:], short, axis=0)]) if short else x
    return model.predict(padded, batch_size=batch_size, verbose=0)[:len(x)]


def answer(model: keras.Model, questions: np.ndarray, out_length: int, alphabet: str, kind: str,
           decoder: str, batch_size: int = 256) -> list[str]:
    """The model's answers as strings: argmax per character (greedy for the feedback decoder).

    The feedback decoder is run `out_length` times; pass k fixes character k and feeds it back as
    the input of step k+1. An LSTM decoder is causal, so this is exactly step-by-step decoding.
    """
    require_positive_int("out_length", out_length)
    _check_choice("decoder", decoder, DECODERS)
    if decoder == "repeat":
        return integer_decode(predict(model, questions, batch_size).argmax(axis=-1), alphabet)
    chosen = np.full((len(questions), out_length), len(alphabet) - 1, dtype=np.int64)
    for step in range(out_length):
        previous = integer_decode(np.concatenate(
            [np.full((len(questions), 1), len(alphabet) - 1), chosen[:, :-1]], axis=1), alphabet)
        x = np.concatenate([questions, encode_text(previous, alphabet, kind)], axis=1)
        chosen[:, step] = predict(model, x, batch_size)[:, step].argmax(axis=-1)
    return integer_decode(chosen, alphabet)


def exact_match(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Fraction of answers right in every character."""
    if len(expected) != len(predicted) or len(expected) == 0:
        raise MisuseError(f"expected and predicted must be non-empty and of equal length, "
                         f"got {len(expected)} and {len(predicted)}")
    return float(np.mean([e == p for e, p in zip(expected, predicted)]))


def char_accuracy(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Fraction of answer characters right, padding included (answers of one width)."""
    expected_chars, predicted_chars = np.array([list(e) for e in expected]), np.array([list(p) for p in predicted])
    if expected_chars.shape != predicted_chars.shape or expected_chars.size == 0:
        raise MisuseError(f"answers must be non-empty and of one shape, got {expected_chars.shape} "
                         f"and {predicted_chars.shape}")
    return float(np.mean(expected_chars == predicted_chars))


def exact_match_by_terms(term_counts: Sequence[int], expected: Sequence[str],
                         predicted: Sequence[str]) -> dict[int, float]:
    """`exact_match` among the questions of each number of terms, fewest first."""
    if len(term_counts) != len(expected):
        raise MisuseError(f"term_counts must label every answer, got {len(term_counts)} for {len(expected)}")
    return {count: exact_match([e for c, e in zip(term_counts, expected) if c == count],
                               [p for c, p in zip(term_counts, predicted) if c == count])
            for count in sorted(set(term_counts))}


def by_terms_line(title: str, scores: dict[int, float], term_counts: Sequence[int]) -> str:
    """`title: 2 terms 1.000000 (331), 3 terms ...`: each count's figure and how many questions it counts."""
    counts = Counter(term_counts)
    return f"{title}: " + ", ".join(f"{count} terms {score:.6f} ({counts[count]})" for count, score in scores.items())
