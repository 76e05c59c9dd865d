"""Sequence-to-sequence variants the tutorial's readers asked for, and how they read and answer.

The tutorial's model (one-hot in, RepeatVector decoder) is `models.seq2seq_repeat`; this module
adds integer inputs through an Embedding, masking of the padding, and a decoder fed its own
previous output character. Every variant takes ONE input array, so the shared training loop
(`training.train`) runs them all unchanged: the feedback decoder's input is the question followed
by the answer shifted right by one (teacher forcing), and at evaluation time `answer` fills that
second part greedily with the model's own predictions, one character per pass.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import layers

from common import encoding, models
from common.checks import MisuseError, require_positive_int

ENCODINGS = ("onehot", "integer")
DECODERS = ("repeat", "feedback")
EMBED_DIM = 16
PAD = " "


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


def _input(length: int, n_chars: int, kind: str) -> keras.KerasTensor:
    if kind == "integer":
        return keras.Input(shape=(length,), dtype="int32")
    return keras.Input(shape=(length, n_chars), dtype="float32")


def _question_path(inputs: keras.KerasTensor, n_chars: int, kind: str, mask: bool) -> keras.KerasTensor:
    if kind == "integer":
        return layers.Embedding(n_chars, EMBED_DIM, mask_zero=mask, name="question_embedding")(inputs)
    return layers.Masking(0.0, name="padding_mask")(inputs) if mask else inputs


def build(in_length: int, out_length: int, n_chars: int, encoder_units: int = 100,
          decoder_units: int = 50, decoder: str = "repeat", kind: str = "onehot",
          mask: bool = False) -> keras.Model:
    """The tutorial's model for its own settings, else the variant asked for; compiled as the tutorial.

    The feedback decoder starts from the encoder's final state, so its LSTM has `encoder_units`
    units (`decoder_units` applies to the RepeatVector decoder only).
    """
    for name, value in [("in_length", in_length), ("out_length", out_length), ("n_chars", n_chars),
                        ("encoder_units", encoder_units), ("decoder_units", decoder_units)]:
        require_positive_int(name, value)
    _check_choice("decoder", decoder, DECODERS)
    _check_choice("kind", kind, ENCODINGS)
    if decoder == "repeat" and kind == "onehot" and not mask:
        return models.seq2seq_repeat(in_length, out_length, n_chars, encoder_units, decoder_units)
    softmax = layers.TimeDistributed(layers.Dense(n_chars, activation="softmax"))
    if decoder == "repeat":
        inputs = _input(in_length, n_chars, kind)
        state = layers.LSTM(encoder_units)(_question_path(inputs, n_chars, kind, mask))
        decoded = layers.LSTM(decoder_units, return_sequences=True)(layers.RepeatVector(out_length)(state))
    else:
        inputs = _input(in_length + out_length, n_chars, kind)
        question, previous = inputs[:, :in_length], inputs[:, in_length:]
        _, h, c = layers.LSTM(encoder_units, return_state=True)(_question_path(question, n_chars, kind, mask))
        if kind == "integer":
            previous = layers.Embedding(n_chars, EMBED_DIM, name="answer_embedding")(previous)
        decoded = layers.LSTM(encoder_units, return_sequences=True)(previous, initial_state=[h, c])
    model = keras.Model(inputs, softmax(decoded))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


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
    once per answer character, and `training.predict` would retrace on every call.
    """
    require_positive_int("batch_size", batch_size)
    if len(x) == 0:
        raise MisuseError("x must hold at least one sample")
    return model.predict(x, batch_size=batch_size, verbose=0)


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
