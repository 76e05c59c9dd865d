"""One builder per tutorial architecture, in the Keras 3 API, compiled as the tutorial compiles it.

Keras 2's `batch_input_shape=` is gone: stateful models declare `Input(batch_shape=...)`.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers

from common import backends
from common.backends.base import recurrent_loop
from common.checks import MisuseError, require_fraction, require_int, require_positive_int
from common.questions import ENCODINGS


def addition_lstm(n_numbers: int = 2, units: int = 10, two_layer: bool = False) -> keras.Model:
    """The mapping tutorial's LSTM: the scaled operands in, one per time step; their scaled sum out.

    `two_layer` is the LSTM(6) -> LSTM(6) -> Dense(1) the tutorial's text describes.
    """
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("units", units)
    model = keras.Sequential()
    # One operand per time step, one feature each.
    model.add(keras.Input(shape=(n_numbers, 1)))
    if two_layer:
        # The first LSTM hands its output at every step to the second.
        model.add(layers.LSTM(6, return_sequences=True))
        # The second reads the steps into one vector, its last output.
        model.add(layers.LSTM(6))
    else:
        # The LSTM reads the operands into one vector, its last output.
        model.add(layers.LSTM(units))
    # One linear output: the scaled sum, a regression.
    model.add(layers.Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def addition_mlp(n_numbers: int = 2) -> keras.Model:
    """The mapping tutorial's MLP: the scaled operands in as one vector; their scaled sum out.

    Every layer is linear: a sum is a linear map, so the stack can compute it exactly.
    """
    require_positive_int("n_numbers", n_numbers)
    model = keras.Sequential()
    # The operands side by side as one vector: a mapping, with no time axis.
    model.add(keras.Input(shape=(n_numbers,)))
    # A hidden layer of 4 linear units.
    model.add(layers.Dense(4))
    # A second hidden layer, of 2.
    model.add(layers.Dense(2))
    # One linear output: the scaled sum, a regression.
    model.add(layers.Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


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
    if encoding not in ENCODINGS:
        raise MisuseError(f"encoding must be one of {ENCODINGS}, got {encoding!r}")


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
    """The memory tutorial's model: one time step per batch, the LSTM's state carried from batch to
    batch; binary cross-entropy, Adam."""
    for name, value in [("batch_size", batch_size), ("width", width), ("units", units)]:
        require_positive_int(name, value)
    model = keras.Sequential(
        [
            # One one-hot item per batch row: a fixed batch shape, since a stateful LSTM keeps one
            # state per row from batch to batch.
            keras.Input(batch_shape=(batch_size, 1, width)),
            # The state it carries over is all that can remember the first item of the sequence.
            layers.LSTM(units, stateful=True),
            # The next item, each one-hot position a sigmoid, as the tutorial has it.
            layers.Dense(width, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


@keras.saving.register_keras_serializable(package="memory_demo")
class InputFirstLSTM(layers.LSTM):
    """Keras's LSTM, with the input product `x_t @ W` taken out of the recurrence: the same layer,
    weights and outputs, computed in another order.

    Keras's LSTM cell computes, at every time step, `z = x_t @ W + h @ U + b`, then its gates. Only
    `h @ U` depends on the step before; `x_t @ W` does not, so this layer computes it for every
    step in one product before the loop (as cuDNN does on a GPU), and the loop does `h @ U` alone.
    Over a long sequence with a wide input (the memory demo at lag 1000: 1001 steps of a 1002-wide
    one-hot) that turns a thousand small products, and their thousand gradients, into one large
    product each, and a training step much faster (docs/speed.md). Over a few steps it gains little or nothing
    (`backends.current().INPUT_FIRST_ABOVE`), so the other models keep `layers.LSTM`.

    Each gate is computed as Keras's `LSTMCell.call` computes it (implementation 2): the input
    product plus the recurrent one, then the bias, then the gates in Keras's order (input, forget,
    cell, output). With a mask, dropout or the cell's implementation 1, it runs Keras's own loop.

    `one_hot_inputs`: every input step is one-hot (a single 1, zeros elsewhere), so its product
    with the kernel is the kernel's row at the 1, picked instead of multiplied: the same numbers,
    without a product over the whole one-hot width. Any other input would be read wrong.
    """

    def __init__(self, units: int, one_hot_inputs: bool = False, **kwargs):
        super().__init__(units, **kwargs)
        self.one_hot_inputs = one_hot_inputs

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        if mask is not None or cell.dropout or cell.recurrent_dropout or cell.implementation != 2:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        # Every step's input product at once: (batch, steps, 4 * units).
        if self.one_hot_inputs:
            input_products = keras.ops.take(cell.kernel, keras.ops.argmax(sequences, axis=-1), axis=0)
        else:
            input_products = keras.ops.matmul(sequences, cell.kernel)

        def step(input_product, states):
            h, c = states
            z = keras.ops.add(input_product, keras.ops.matmul(h, cell.recurrent_kernel))
            if cell.use_bias:
                z = keras.ops.add(z, cell.bias)
            c, o = cell._compute_carry_and_output_fused(keras.ops.split(z, 4, axis=-1), c)
            h = o * cell.activation(c)
            return h, [h, c]

        # The loop Keras's LSTM runs, over the input products instead of the inputs.
        return recurrent_loop(step, input_products, list(initial_state), go_backwards=self.go_backwards,
                              unroll=self.unroll, input_length=sequences.shape[1],
                              return_all_outputs=self.return_sequences)

    def get_config(self) -> dict:
        return {**super().get_config(), "one_hot_inputs": self.one_hot_inputs}


LONG_LAG_FORGET_BIAS = 5.0
"""Least forget-gate bias at initialisation for `long_lag`: sigmoid(5) = 0.993 keeps ~50% of a cell over 100 steps."""
LONG_LAG_LEARNING_RATE = 0.01
LONG_LAG_CLIPNORM = 0.3
"""Most gradient norm per `long_lag` update. Unclipped, the cells saturate and a failed run sits at
p = 0.5 for both last items (docs/memory_demo.md has the seeds measured each way)."""
LAST_STEP_SHARE = 0.5
"""The last step's default share of the `long_lag` loss: as much as all the other steps together."""
MEMORY_INPUT_BIAS = -3.0
"""Input-gate bias at initialisation of `memory_units`: sigmoid(-3) = 0.047 lets in a twentieth of each step."""
SHORTCUT_INPUT_GATE_BIAS = -5.0
"""Input-gate bias at initialisation with a `shortcut`: sigmoid(-5) = 0.0067 lets in a 150th of each step."""


def long_lag_forget_bias(steps: int) -> float:
    """The forget-gate bias b with sigmoid(b)**steps = 1/2, and at least 5 (docs/memory_demo.md has the lags it solved).

    A fixed 5 keeps 0.993**1000 = 0.1% of a cell over lag 1000; this keeps half at any lag.
    """
    require_positive_int("steps", steps)
    keep = 0.5 ** (1 / steps)
    return max(LONG_LAG_FORGET_BIAS, math.log(keep / (1 - keep)))


@keras.saving.register_keras_serializable(package="memory_demo")
class LastStepWeightedCrossEntropy(keras.losses.Loss):
    """Categorical cross-entropy per step, the last step carrying `last_step_share` of the weight.

    With equal weights the one step that needs the memory is 1 of `steps` terms: at lag 100 its
    error is drowned by the easy next-item steps, which teach the cells to forget first. The
    default share, 0.5, weights it as much as all the others together.
    """

    def __init__(self, steps: int, last_step_share: float = LAST_STEP_SHARE,
                 name: str = "last_step_weighted_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        require_int("steps", steps, minimum=2)
        self.steps = steps
        self.last_step_share = require_fraction("last_step_share", last_step_share, allow_zero=False)
        weights = np.ones(steps, dtype="float32")
        weights[-1] = last_step_share / (1 - last_step_share) * (steps - 1)
        self.step_weights = weights / weights.mean()  # mean 1: the loss keeps its usual scale

    def call(self, y_true, y_pred):
        per_step = keras.losses.categorical_crossentropy(y_true, y_pred)  # (batch, steps)
        return per_step * keras.ops.convert_to_tensor(self.step_weights, dtype=per_step.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "steps": self.steps, "last_step_share": self.last_step_share}


def memory_full_bptt(steps: int, width: int, units: int = 20, long_lag: bool = False,
                     last_step_share: float = LAST_STEP_SHARE, memory_units: int | None = None,
                     shortcut: int | None = None) -> keras.Model:
    """The memory demo as it learns by design: a stateless LSTM over each whole sequence, a
    prediction at every step, so that the last step's error flows back to the first.

    Default: the tutorial's sigmoid outputs, binary cross-entropy and Adam. `long_lag` is the
    formulation that carries that error across ~100 steps: softmax outputs (the targets are one
    class each), the last step weighted as much as all others (`LastStepWeightedCrossEntropy`), a
    forget-gate bias at initialisation that keeps half a cell over the sequence (at least 5,
    `long_lag_forget_bias`) so the cells start out remembering, and Adam at learning rate 0.01
    with each update's gradient norm clipped to `LONG_LAG_CLIPNORM`.

    Further `long_lag` options, for lags beyond 100, each against the cells piling up the steps in
    between until tanh saturates and passes no difference between the two sequences:
    `last_step_share`, the last step's share of the loss (0.5: as much as all the others together);
    `memory_units`, the number of units that get the long forget-gate bias plus an input gate mostly
    closed (`MEMORY_INPUT_BIAS`), the others keeping Keras's initial biases for the next-item steps;
    and `shortcut`, a Dense(shortcut) projection of each step's input fed to the output layer beside
    the LSTM, so that the next-item steps need no cell at all, with every input gate starting almost
    closed (`SHORTCUT_INPUT_GATE_BIAS`, the memory units' only if `memory_units` is given).
    """
    for name, value in [("steps", steps), ("width", width), ("units", units)]:
        require_positive_int(name, value)
    require_fraction("last_step_share", last_step_share, allow_zero=False)
    if memory_units is not None:
        require_int("memory_units", memory_units, minimum=1, maximum=units)
    if shortcut is not None:
        require_positive_int("shortcut", shortcut)
    if not long_lag and (last_step_share != LAST_STEP_SHARE or memory_units is not None or shortcut is not None):
        raise MisuseError("last_step_share, memory_units and shortcut change the long-lag model: use them "
                          "with long_lag")
    # Reads the whole sequence, writing an output at every step: no state is carried between batches.
    # Over long sequences, Keras's LSTM with its input product taken out of the loop, for the whole
    # sequence at once (each step's one-hot input picks its row of the kernel): the same function,
    # faster there.
    if steps > backends.current().INPUT_FIRST_ABOVE:
        lstm = InputFirstLSTM(units, one_hot_inputs=True, return_sequences=True)
    else:
        lstm = layers.LSTM(units, return_sequences=True)
    if shortcut is None:
        model = keras.Sequential([
            # One one-hot item per time step, the whole sequence at once.
            keras.Input(shape=(steps, width)),
            lstm,
            # The next item at every step: sigmoids as the tutorial's, or (long_lag) a softmax.
            # Dense maps every step in one product. TimeDistributed loops over the steps, and over
            # long sequences its kernel gradient differed between two runs of the same graph (docs/memory_demo.md).
            layers.Dense(width, activation="softmax" if long_lag else "sigmoid"),
        ])
    else:
        # One one-hot item per time step, the whole sequence at once.
        inputs = keras.Input(shape=(steps, width))
        # Each step's input projected straight towards the output: the next-item steps need no cell.
        projected = layers.Dense(shortcut, use_bias=False, name="shortcut")(inputs)
        # Beside it, the LSTM's output, which has to carry the first item.
        both = layers.Concatenate()([projected, lstm(inputs)])
        # The next item at every step, a softmax over both.
        model = keras.Model(inputs, layers.Dense(width, activation="softmax")(both))
    if not long_lag:
        model.compile(loss="binary_crossentropy", optimizer="adam")
        return model
    # The LSTM's initial biases, its gates in Keras's order: input, forget, cell, output.
    bias = lstm.cell.bias.numpy()
    remembering = units if memory_units is None else memory_units
    # Forget gates that keep half a cell over the sequence: the cells start out remembering.
    bias[units : units + remembering] = long_lag_forget_bias(steps)
    if memory_units is not None:
        # The memory units' input gates mostly closed, so that the steps in between pile up less.
        bias[:memory_units] = MEMORY_INPUT_BIAS
    if shortcut is not None:
        # With the shortcut doing the next-item steps, the (memory) cells' input gates almost closed.
        bias[:remembering] = SHORTCUT_INPUT_GATE_BIAS
    lstm.cell.bias.assign(bias)
    model.compile(loss=LastStepWeightedCrossEntropy(steps, last_step_share),
                  optimizer=keras.optimizers.Adam(learning_rate=LONG_LAG_LEARNING_RATE,
                                                  clipnorm=LONG_LAG_CLIPNORM))
    return model


def binary_adder(time_steps: int = 16, out_bits: int = 9, units: int = 256,
                 dropout: float = 0.2, learning_rate: float = 0.001) -> keras.Model:
    """The tutorial's adder: all the operands' bits in, all the sum's bits out at once; MSE, Adam.

    It reads exactly `time_steps` steps: a table of one operand width, which cannot add wider numbers.
    """
    for name, value in [("time_steps", time_steps), ("out_bits", out_bits), ("units", units)]:
        require_positive_int(name, value)
    require_fraction("dropout", dropout)
    _check_learning_rate(learning_rate)
    model = keras.Sequential(
        [
            # One bit per time step: a's bits, then b's, most significant first.
            keras.Input(shape=(time_steps, 1)),
            # Reads all the bits; only its output after the last one goes on.
            layers.LSTM(units),
            # The tutorial's regulariser: in training, zeroes a random share (0.2) of that output.
            layers.Dropout(dropout),
            # Every bit of the sum at once, each the probability that it is 1.
            layers.Dense(out_bits, activation="sigmoid"),
        ]
    )
    # Accuracy counts bits: Keras 3 would resolve plain "accuracy" on 9 sigmoid outputs to
    # categorical accuracy, a meaningless number here.
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(learning_rate),
                  metrics=["binary_accuracy"])
    return model


SERIAL_LOSSES = ("binary_crossentropy", "mean_squared_error")


def serial_adder(units: int = 16, loss: str = "binary_crossentropy", learning_rate: float = 0.001,
                 recurrent_dropout: float = 0.1) -> keras.Model:
    """Written addition: one bit position per step in, least significant first, its sum bit out.

    The input length is left open, so that a model trained on 8-bit pairs adds 64-bit ones.
    `recurrent_dropout` drops parts of the state fed back at each training step. A model trained
    without it can keep its carry only approximately: right over the short problems it was trained
    on, wrong now and then on long inputs. Trained to survive the noise, the carry becomes a state
    the model returns to (docs/binary_addition.md has the widths measured).
    """
    require_positive_int("units", units)
    require_fraction("recurrent_dropout", recurrent_dropout)
    _check_learning_rate(learning_rate)
    if loss not in SERIAL_LOSSES:
        raise MisuseError(f"loss must be one of {SERIAL_LOSSES}, got {loss!r}")
    model = keras.Sequential([
        # (a_i, b_i) at each step, for any number of steps.
        keras.Input(shape=(None, 2)),
        # The carry lives in its state; it writes an output at every step.
        layers.LSTM(units, return_sequences=True, recurrent_dropout=recurrent_dropout),
        # The sum bit of each position (after the last operand bit: the carry out).
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss=loss, optimizer=keras.optimizers.Adam(learning_rate), metrics=["binary_accuracy"])
    return model


def _check_learning_rate(learning_rate: float) -> None:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise MisuseError(f"learning_rate must be a positive number, got {learning_rate!r}")
