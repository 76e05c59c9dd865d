"""One builder per tutorial architecture, in the Keras 3 API, compiled as the tutorial compiles it.

Keras 2's `batch_input_shape=` is gone: stateful models declare `Input(batch_shape=...)`.
"""

from __future__ import annotations

import keras
from keras import layers

from common.checks import MisuseError, require_fraction, require_positive_int


def addition_lstm(n_numbers: int = 2, units: int = 10, two_layer: bool = False) -> keras.Model:
    """LSTM(10) -> Dense(1) over the scaled operands, one per time step; MSE, Adam.

    `two_layer` is the LSTM(6) -> LSTM(6) -> Dense(1) the tutorial's text describes.
    """
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("units", units)
    stack = [layers.LSTM(6, return_sequences=True), layers.LSTM(6)] if two_layer else [layers.LSTM(units)]
    model = keras.Sequential([keras.Input(shape=(n_numbers, 1)), *stack, layers.Dense(1)])
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def addition_mlp(n_numbers: int = 2) -> keras.Model:
    """Dense(4) -> Dense(2) -> Dense(1), all linear; MSE, Adam."""
    require_positive_int("n_numbers", n_numbers)
    model = keras.Sequential(
        [keras.Input(shape=(n_numbers,)), layers.Dense(4), layers.Dense(2), layers.Dense(1)]
    )
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def seq2seq_repeat(
    in_length: int, out_length: int, n_chars: int, encoder_units: int = 100, decoder_units: int = 50
) -> keras.Model:
    """LSTM encoder -> RepeatVector -> LSTM decoder -> TimeDistributed softmax; cross-entropy, Adam."""
    for name, value in [("in_length", in_length), ("out_length", out_length), ("n_chars", n_chars),
                        ("encoder_units", encoder_units), ("decoder_units", decoder_units)]:
        require_positive_int(name, value)
    model = keras.Sequential(
        [
            keras.Input(shape=(in_length, n_chars)),
            layers.LSTM(encoder_units),
            layers.RepeatVector(out_length),
            layers.LSTM(decoder_units, return_sequences=True),
            layers.TimeDistributed(layers.Dense(n_chars, activation="softmax")),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def echo_full(batch_size: int = 7, n_in: int = 5, width: int = 100, units: int = 20,
              stateful: bool = True) -> keras.Model:
    """LSTM(20, return_sequences) -> TimeDistributed(Dense softmax): one output per input step."""
    for name, value in [("batch_size", batch_size), ("n_in", n_in), ("width", width), ("units", units)]:
        require_positive_int(name, value)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, n_in, width)),
            layers.LSTM(units, return_sequences=True, stateful=stateful),
            layers.TimeDistributed(layers.Dense(width, activation="softmax")),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def echo_partial(batch_size: int = 21, n_in: int = 5, n_out: int = 2, width: int = 100,
                 units: int = 150, stateful: bool = True) -> keras.Model:
    """Encoder LSTM(150) -> RepeatVector(n_out) -> decoder LSTM(150) -> TimeDistributed softmax."""
    for name, value in [("batch_size", batch_size), ("n_in", n_in), ("n_out", n_out),
                        ("width", width), ("units", units)]:
        require_positive_int(name, value)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, n_in, width)),
            layers.LSTM(units, stateful=stateful),
            layers.RepeatVector(n_out),
            layers.LSTM(units, return_sequences=True, stateful=stateful),
            layers.TimeDistributed(layers.Dense(width, activation="softmax")),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def memory_stateful(batch_size: int = 1, width: int = 5, units: int = 20) -> keras.Model:
    """Stateful LSTM(20) over one time step per batch -> Dense(sigmoid); binary cross-entropy, Adam."""
    for name, value in [("batch_size", batch_size), ("width", width), ("units", units)]:
        require_positive_int(name, value)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, 1, width)),
            layers.LSTM(units, stateful=True),
            layers.Dense(width, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def binary_adder(time_steps: int = 16, out_bits: int = 9, units: int = 256,
                 dropout: float = 0.2, learning_rate: float = 0.001) -> keras.Model:
    """LSTM(256) over the operands' bits -> Dropout(0.2) -> Dense(9, sigmoid); MSE, Adam.

    Accuracy counts bits: Keras 3 would resolve plain "accuracy" on 9 sigmoid outputs to
    categorical accuracy, a meaningless number here.
    """
    for name, value in [("time_steps", time_steps), ("out_bits", out_bits), ("units", units)]:
        require_positive_int(name, value)
    require_fraction("dropout", dropout)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise MisuseError(f"learning_rate must be a positive number, got {learning_rate!r}")
    model = keras.Sequential(
        [
            keras.Input(shape=(time_steps, 1)),
            layers.LSTM(units),
            layers.Dropout(dropout),
            layers.Dense(out_bits, activation="sigmoid"),
        ]
    )
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(learning_rate),
                  metrics=["binary_accuracy"])
    return model
