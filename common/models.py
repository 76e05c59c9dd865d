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


SEQ2SEQ_ENCODINGS = ("onehot", "integer")
"""How a seq2seq model reads characters: one-hot vectors (the tutorial's), or indices into an Embedding."""
EMBED_DIM = 16


def seq2seq_repeat(in_length: int, out_length: int, n_chars: int, encoder_units: int = 100,
                   decoder_units: int = 50, encoding: str = "onehot", mask: bool = False) -> keras.Model:
    """LSTM encoder -> RepeatVector -> LSTM decoder -> TimeDistributed softmax; cross-entropy, Adam.

    `encoding` "integer" reads character indices through an Embedding; `mask` skips the questions'
    padding (a zero one-hot vector, or index 0).
    """
    _check_seq2seq(in_length, out_length, n_chars, encoder_units, decoder_units, encoding)
    inputs = _characters(in_length, n_chars, encoding)
    summary = layers.LSTM(encoder_units)(_question(inputs, n_chars, encoding, mask))
    decoded = layers.LSTM(decoder_units, return_sequences=True)(layers.RepeatVector(out_length)(summary))
    return _seq2seq_model(inputs, _softmax(n_chars)(decoded))


def seq2seq_feedback(in_length: int, out_length: int, n_chars: int, units: int = 100,
                     encoding: str = "onehot", mask: bool = False) -> keras.Model:
    """LSTM encoder -> its final state starts an LSTM decoder fed the previous answer character.

    The input is the question followed by the answer shifted one step (teacher forcing); the
    decoder has the encoder's `units`, since it starts from the encoder's state.
    """
    _check_seq2seq(in_length, out_length, n_chars, units, units, encoding)
    # Keras draws a layer's initial-weight seed when the layer is created: the softmax is created
    # first, so that each --seed starts from the weights the documented figures were measured with.
    softmax = _softmax(n_chars)
    inputs = _characters(in_length + out_length, n_chars, encoding)
    question, previous = inputs[:, :in_length], inputs[:, in_length:]
    _, h, c = layers.LSTM(units, return_state=True)(_question(question, n_chars, encoding, mask))
    if encoding == "integer":
        previous = layers.Embedding(n_chars, EMBED_DIM, name="answer_embedding")(previous)
    decoded = layers.LSTM(units, return_sequences=True)(previous, initial_state=[h, c])
    return _seq2seq_model(inputs, softmax(decoded))


def _check_seq2seq(in_length: int, out_length: int, n_chars: int, encoder_units: int, decoder_units: int,
                   encoding: str) -> None:
    for name, value in [("in_length", in_length), ("out_length", out_length), ("n_chars", n_chars),
                        ("encoder_units", encoder_units), ("decoder_units", decoder_units)]:
        require_positive_int(name, value)
    if encoding not in SEQ2SEQ_ENCODINGS:
        raise MisuseError(f"encoding must be one of {SEQ2SEQ_ENCODINGS}, got {encoding!r}")


def _characters(length: int, n_chars: int, encoding: str) -> keras.KerasTensor:
    if encoding == "integer":
        return keras.Input(shape=(length,), dtype="int32")
    return keras.Input(shape=(length, n_chars), dtype="float32")


def _question(inputs: keras.KerasTensor, n_chars: int, encoding: str, mask: bool) -> keras.KerasTensor:
    if encoding == "integer":
        return layers.Embedding(n_chars, EMBED_DIM, mask_zero=mask, name="question_embedding")(inputs)
    return layers.Masking(0.0, name="padding_mask")(inputs) if mask else inputs


def _softmax(n_chars: int) -> layers.Layer:
    return layers.TimeDistributed(layers.Dense(n_chars, activation="softmax"))


def _seq2seq_model(inputs: keras.KerasTensor, outputs: keras.KerasTensor) -> keras.Model:
    model = keras.Model(inputs, outputs)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def echo_full(batch_size: int = 7, n_in: int = 5, width: int = 100, units: int = 20,
              stateful: bool = True, mask_value: float | None = None, linear: bool = False) -> keras.Model:
    """The echo tutorial's many-to-many LSTM: a window in, the same window out, step by step.

    `mask_value`: skip the padding of incomplete windows; `linear`: write 0-1 scaled items
    (a regression) instead of a softmax over the values.
    """
    for name, value in [("batch_size", batch_size), ("n_in", n_in), ("width", width), ("units", units)]:
        require_positive_int(name, value)
    stack = [
        # A fixed batch shape: a stateful LSTM keeps one state per row of its batch, from batch to batch.
        keras.Input(batch_shape=(batch_size, n_in, width)),
        *([layers.Masking(mask_value=mask_value)] if mask_value is not None else []),
        # An output at every step: step t of the output is to echo item t of the window.
        layers.LSTM(units, return_sequences=True, stateful=stateful),
    ]
    return _with_echo_output(stack, width, linear)


def echo_partial(batch_size: int = 21, n_in: int = 5, n_out: int = 2, width: int = 100,
                 units: int = 150, stateful: bool = True, mask_value: float | None = None,
                 linear: bool = False) -> keras.Model:
    """The echo tutorial's encoder-decoder: a window of `n_in` items in, its first `n_out` out.

    `mask_value` and `linear` as for `echo_full`.
    """
    for name, value in [("batch_size", batch_size), ("n_in", n_in), ("n_out", n_out),
                        ("width", width), ("units", units)]:
        require_positive_int(name, value)
    if n_out > n_in:
        raise MisuseError(f"n_out={n_out} must be <= n_in={n_in}")
    stack = [
        keras.Input(batch_shape=(batch_size, n_in, width)),
        *([layers.Masking(mask_value=mask_value)] if mask_value is not None else []),
        # The encoder reads the whole window into one vector, its last output.
        layers.LSTM(units, stateful=stateful),
        # That vector, repeated once per item to write: the output may be shorter than the input.
        layers.RepeatVector(n_out),
        # The decoder writes one item per step from it.
        layers.LSTM(units, return_sequences=True, stateful=stateful),
    ]
    return _with_echo_output(stack, width, linear)


def _with_echo_output(stack: list, width: int, linear: bool) -> keras.Model:
    """The echo tutorials' output layer after `stack`, compiled as they compile it: at each step a
    softmax over the `width` values (categorical cross-entropy), or with `linear` one 0-1 scaled
    value (mean squared error)."""
    if linear:
        model = keras.Sequential([*stack, layers.TimeDistributed(layers.Dense(1))])
        model.compile(loss="mean_squared_error", optimizer="adam")
    else:
        model = keras.Sequential([*stack, layers.TimeDistributed(layers.Dense(width, activation="softmax"))])
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
