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

from typing import Sequence

import keras
import numpy as np

from common import encoding, models
from common.checks import MisuseError, require_positive_int
from common.questions import PAD

ENCODINGS = models.SEQ2SEQ_ENCODINGS
DECODERS = ("repeat", "feedback")


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MisuseError(f"{name} must be one of {allowed}, got {value!r}")


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
    indices = encoding.integer_encode(strings, alphabet)
    if kind == "integer":
        return ((indices + 1) % len(alphabet)).astype(np.int32)
    vectors = encoding.one_hot(indices, len(alphabet))
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
        return encoding.decode_strings(predict(model, questions, batch_size), alphabet)
    chosen = np.full((len(questions), out_length), len(alphabet) - 1, dtype=np.int64)
    for step in range(out_length):
        previous = encoding.integer_decode(np.concatenate(
            [np.full((len(questions), 1), len(alphabet) - 1), chosen[:, :-1]], axis=1), alphabet)
        x = np.concatenate([questions, encode_text(previous, alphabet, kind)], axis=1)
        chosen[:, step] = encoding.one_hot_decode(predict(model, x, batch_size)[:, step])
    return encoding.integer_decode(chosen, alphabet)
