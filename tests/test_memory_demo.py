"""memory_demo.py: the data layouts, the tutorial's resets, full BPTT solving it, every flag, misuse."""

import math
import random

import keras
import numpy as np
import pytest

import memory_demo
from common import memory, models, training
from common.runtime.options import memory_demo as memory_options
from common.runtime.run import seed_everything
from conftest import BACKEND, also_on_jax, extended, refused, reproduction, run_script


def test_the_tutorials_sequences_and_pairs():
    task = memory.MemoryTask()
    sequences = memory.draw_sequences(task, random.Random(0))
    assert sequences == [[3, 0, 1, 2, 3], [4, 0, 1, 2, 4]]
    x, y = memory.arrange(memory.step_pairs(task, sequences), [0, 1], 1, "step")
    assert x.shape == (8, 1, 5) and y.shape == (8, 5)
    assert x[:, 0].argmax(-1).tolist() == [3, 0, 1, 2, 4, 0, 1, 2]
    assert y.argmax(-1).tolist() == [0, 1, 2, 3, 0, 1, 2, 4]


def test_a_long_table_shows_its_first_and_last_steps_and_counts_the_rest():
    rows = [f"step {t}" for t in range(1001)]
    shown = memory.ends_of(rows, each=3)
    assert shown == ["step 0", "step 1", "step 2", "... 995 more steps ...", "step 998", "step 999", "step 1000"]
    assert memory.ends_of(rows[:7], each=3) == rows[:7]  # nothing to leave out: every row
    assert memory.ends_of(rows[:8], each=3)[3] == "... 2 more steps ..."


@pytest.mark.parametrize("batch_size, bptt", [(1, "step"), (2, "step"), (1, "full"), (2, "full")])
@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_arrange_and_unarrange_are_inverse(batch_size, bptt, order):
    task = memory.MemoryTask(lag=4)
    sequences = memory.draw_sequences(task, random.Random(0))
    _, y = memory.arrange(memory.step_pairs(task, sequences), order, batch_size, bptt)
    recovered = memory.unarrange(y, order, task.steps, batch_size, bptt)
    assert recovered.argmax(-1).tolist() == [s[1:] for s in sequences]


def test_solved_needs_each_last_step_ahead_by_the_margin():
    sequences = [[3, 0, 1, 2, 3], [4, 0, 1, 2, 4]]
    outputs = np.zeros((2, 4, 5))
    for index, sequence in enumerate(sequences):
        outputs[index, np.arange(4), sequence[1:]] = 0.9
    confident = memory.score(sequences, outputs)
    assert confident["solved"] and confident["last_step_margins"] == [0.9, 0.9]
    outputs[0, -1, 4] = 0.85  # sequence 1's last step: 3 at 0.90 against 4 at 0.85, still the argmax
    coin = memory.score(sequences, outputs)
    assert coin["correct_steps"] == 8 and coin["last_step_margins"][0] == pytest.approx(0.05)
    assert not coin["solved"]


def test_side_by_side_batches_keep_each_slot_one_sequence():
    task = memory.MemoryTask()
    x, _ = memory.arrange(memory.step_pairs(task, memory.draw_sequences(task, None)), [1, 0], 2, "step")
    assert x[:, 0].argmax(-1).tolist() == [4, 3, 0, 0, 1, 1, 2, 2]


def test_lag_generalises_the_two_sequences():
    task = memory.MemoryTask(lag=6, alphabet=10)
    assert memory.draw_sequences(task, None) == [[6, 0, 1, 2, 3, 4, 5, 6], [7, 0, 1, 2, 3, 4, 5, 7]]
    assert task.width == 10 and task.steps == 7
    drawn = memory.draw_sequences(memory.MemoryTask(lag=6, random_sequences=True), random.Random(3))
    assert drawn[0][0] == drawn[0][-1] != drawn[1][0] == drawn[1][-1] and drawn[0][1:-1] == drawn[1][1:-1]


def _tutorial_loop(model, pairs, epochs):
    """The tutorial's code, literally: fit sequence 1, reset, fit sequence 2, reset."""
    for _ in range(epochs):
        for x, y in pairs:
            model.fit(x[:, None, :], y, epochs=1, batch_size=1, shuffle=False, verbose=0)
            training.reset_states(model)


def _weights_after(samples_between_resets, epochs=3):
    task = memory.MemoryTask()
    pairs = memory.step_pairs(task, memory.draw_sequences(task, None))
    seed_everything(4)
    model = models.memory_stateful()
    training.train(model, lambda: memory.arrange(pairs, [0, 1], 1, "step"), epochs, 1,
                   samples_between_resets, progress=False)
    return model.get_weights()


def test_state_is_reset_between_the_sequences_as_the_tutorial_does():
    task = memory.MemoryTask()
    pairs = memory.step_pairs(task, memory.draw_sequences(task, None))
    seed_everything(4)
    tutorial = models.memory_stateful()
    _tutorial_loop(tutorial, pairs, 3)
    ours = _weights_after(memory.sequence_samples(task, 1, "step"))
    for a, b in zip(ours, tutorial.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # Without the reset between sequence 1 and 2 the weights differ: the check above can fail.
    no_reset = _weights_after(2 * task.steps)
    assert max(np.max(np.abs(a - b)) for a, b in zip(no_reset, tutorial.get_weights())) > 1e-4


@reproduction
def test_full_bptt_with_the_long_lag_formulation_solves_the_tutorials_demo_on_ten_of_ten_seeds(tmp_path, capsys):
    # At the tutorial's settings full-bptt leaves a thin last-step margin on some seeds; long-lag,
    # chosen on seeds 1-10, solved fresh seeds on TensorFlow and seeds 1-10 on JAX, with wide margins
    # (docs/memory_demo.md).
    result = run_script(memory_demo, ["--formulation", "long-lag", "--trials", "10", "--quiet"], tmp_path)
    assert result["metrics"]["trials"] == 10
    assert result["metrics"]["solved_trials"] == 10
    assert min(min(trial["last_step_margins"]) for trial in result["metrics"]["per_trial"]) >= 0.1
    assert "X=2.0 y=4.0, yhat=4.0" in capsys.readouterr().out


def test_the_tutorials_formulation_is_reported_seed_by_seed(tmp_path, capsys):
    result = run_script(memory_demo, ["--trials", "2", "--epochs", "20", "--quiet"], tmp_path)
    per_trial = result["metrics"]["per_trial"]
    assert [t["seed"] for t in per_trial] == [1, 2]
    assert result["metrics"]["solved_trials"] == sum(t["solved"] for t in per_trial)
    assert result["metrics"]["total_steps"] == 8
    assert result["train_seconds"] == pytest.approx(sum(t["train_seconds"] for t in per_trial))  # both trials'
    assert "of 2 trials" in capsys.readouterr().out


@extended
def test_full_bptt_at_a_longer_lag_learns_every_step_but_the_conflicting_ones(tmp_path):
    # Lag 5: the 10 shared steps are learned; the 2 last steps need the memory of the first item,
    # which this formulation does not learn reliably beyond lag 3 (docs/memory_demo.md): not asserted.
    metrics = run_script(memory_demo, ["--formulation", "full-bptt", "--lag", "5", "--epochs", "1000", "--quiet"], tmp_path)["metrics"]
    assert metrics["total_steps"] == 12
    assert metrics["correct_steps"] >= 11


@extended
def test_long_lag_solves_lag_10_where_full_bptt_alone_does_not(tmp_path):
    # Seed 1 (the default) and 300 epochs were fixed before this test first ran; docs/memory_demo.md's
    # lag-10 experiments had used seeds 1-2 with parts of the formulation.
    argv = ["--lag", "10", "--batch-size", "2", "--epochs", "300"]
    assert run_script(memory_demo, [*argv, "--formulation", "long-lag", "--quiet"], tmp_path, name="long")["metrics"]["solved"]
    assert not run_script(memory_demo, [*argv, "--formulation", "full-bptt", "--quiet"], tmp_path, name="full")["metrics"]["solved"]


@reproduction
def test_long_lag_with_a_shortcut_solves_lag_100_on_every_seed_tried(tmp_path):
    # The documented command with 3 trials instead of 30: it solved seeds 1-60 on both backends, every
    # last-step margin at least 0.98 (docs/memory_demo.md).
    argv = ["--formulation", "long-lag", "--lag", "100", "--batch-size", "2", "--epochs", "600", "--shortcut", "32",
            "--trials", "3"]
    metrics = run_script(memory_demo, [*argv, "--quiet"], tmp_path)["metrics"]
    assert metrics["solved_trials"] == 3
    assert min(min(trial["last_step_margins"]) for trial in metrics["per_trial"]) >= 0.5


@reproduction
@pytest.mark.skipif(BACKEND != "tensorflow", reason="held on JAX and PyTorch to the shortcut test above (docs/memory_demo.md)")
def test_long_lag_without_a_shortcut_solves_lag_100_on_tensorflow(tmp_path):
    # Seeds 1-30 solved on TensorFlow on two machines; on JAX 27 of 30 on a CPU without AVX-512, the
    # three others stuck at even odds for the last steps, so JAX is held to the shortcut test above
    # (docs/memory_demo.md).
    argv = ["--formulation", "long-lag", "--lag", "100", "--batch-size", "2", "--epochs", "600", "--trials", "3"]
    assert run_script(memory_demo, [*argv, "--quiet"], tmp_path)["metrics"]["solved_trials"] == 3


def test_long_lag_weights_the_last_step_as_much_as_all_the_others():
    weights = models.LastStepWeightedCrossEntropy(5).step_weights
    assert weights[-1] == pytest.approx(weights[:-1].sum()) and weights.mean() == pytest.approx(1)


def test_the_last_step_can_carry_any_share_of_the_loss():
    weights = models.LastStepWeightedCrossEntropy(5, last_step_share=0.9).step_weights
    assert weights[-1] / weights.sum() == pytest.approx(0.9) and weights.mean() == pytest.approx(1)


def test_memory_units_alone_get_the_long_forget_bias_and_a_mostly_closed_input_gate():
    model = models.memory_full_bptt(1001, 1002, units=3, long_lag=True, memory_units=2)
    bias = model.layers[0].cell.bias.numpy()
    np.testing.assert_allclose(bias[:3], [models.MEMORY_INPUT_BIAS] * 2 + [0.0])
    np.testing.assert_allclose(bias[3:6], [models.long_lag_forget_bias(1001)] * 2 + [1.0])


@pytest.mark.parametrize("memory_units, closed", [(None, 3), (2, 2)])
def test_a_shortcut_feeds_each_steps_input_to_the_output_and_closes_the_input_gates(memory_units, closed):
    model = models.memory_full_bptt(301, 302, units=3, long_lag=True, memory_units=memory_units, shortcut=4)
    bias = memory.lstm_of(model).cell.bias.numpy()
    np.testing.assert_allclose(bias[:3], [models.SHORTCUT_INPUT_GATE_BIAS] * closed + [0.0] * (3 - closed))
    np.testing.assert_allclose(bias[3:3 + closed], models.long_lag_forget_bias(301))
    assert model.get_layer("shortcut").kernel.shape == (302, 4)
    assert model.layers[-1].kernel.shape == (4 + 3, 302)
    need = memory_options.memory_need(memory.MemoryTask(300), 2, "full", units=3, epochs=1, shortcut=4)
    assert need.parameters == model.count_params()


@pytest.mark.parametrize("kwargs", [dict(last_step_share=0.9), dict(memory_units=1), dict(last_step_share=0.0),
                                    dict(long_lag=True, memory_units=4), dict(shortcut=2),
                                    dict(long_lag=True, shortcut=0)])
def test_long_lag_options_are_refused_where_they_mean_nothing(kwargs):
    with pytest.raises(ValueError):
        models.memory_full_bptt(10, 12, units=3, **kwargs)


@pytest.mark.parametrize("steps", [4, 101, 1001, 5001])
def test_long_lag_forget_bias_keeps_half_a_cell_over_the_sequence_and_is_at_least_5(steps):
    bias = models.long_lag_forget_bias(steps)
    kept = (1 / (1 + math.exp(-bias))) ** steps
    assert bias == 5.0 if steps <= 101 else kept == pytest.approx(0.5)
    assert kept >= 0.5 - 1e-9


def test_the_long_lag_model_starts_with_that_forget_bias():
    model = models.memory_full_bptt(1001, 1002, units=3, long_lag=True)
    bias = model.layers[0].cell.bias.numpy()
    np.testing.assert_allclose(bias[3:6], models.long_lag_forget_bias(1001))


def _weights_after_3_epochs_at_lag_1000():
    seed_everything(1)
    task = memory.MemoryTask(1000)
    x, y = memory.arrange(memory.step_pairs(task, memory.draw_sequences(task, None)), [0, 1], 2, "full")
    model = models.memory_full_bptt(task.steps, task.width, long_lag=True, last_step_share=0.99, memory_units=10)
    training.train(model, lambda: (x, y), 3, 2, progress=False)
    return model.get_weights()


@also_on_jax
def test_the_same_seed_trains_the_same_weights_at_lag_1000():
    """With TimeDistributed(Dense) the output kernel's gradient varied from run to run at this length."""
    first, again = _weights_after_3_epochs_at_lag_1000(), _weights_after_3_epochs_at_lag_1000()
    for one, other in zip(first, again):
        np.testing.assert_array_equal(one, other)


@also_on_jax
def test_a_long_lag_model_saves_and_loads(tmp_path):
    path = tmp_path / "m.keras"
    first = run_script(memory_demo, ["--formulation", "long-lag", "--epochs", "3", "--save",
                                     str(path), "--quiet"], tmp_path)
    again = run_script(memory_demo, ["--formulation", "long-lag", "--load", str(path), "--quiet"], tmp_path, name="again")
    assert first["metrics"]["correct_steps"] == again["metrics"]["correct_steps"]
    assert isinstance(keras.models.load_model(path).loss, models.LastStepWeightedCrossEntropy)


def test_the_last_step_share_survives_save_and_load(tmp_path):
    path = tmp_path / "m.keras"
    model = models.memory_full_bptt(4, 5, units=2, long_lag=True, last_step_share=0.9)
    model.optimizer.build(model.trainable_variables)  # saved as a trained model would be
    model.save(path)
    assert keras.models.load_model(path).loss.last_step_share == pytest.approx(0.9)


@extended
def test_plain_loop_reaches_the_same_model_and_figures(tmp_path):
    """Through the script, full BPTT; the stateful formulation's loops are compared with the
    tutorial's own fit-per-sequence code above."""
    figures = []
    for loop in ("fast", "plain"):
        path = tmp_path / f"{loop}.keras"
        metrics = run_script(memory_demo, ["--formulation", "full-bptt", "--epochs", "8", "--loop", loop, "--save",
                                           str(path), "--quiet"], tmp_path, name=loop)["metrics"]
        del metrics["per_trial"]  # holds the training times, which differ
        figures.append((metrics, keras.models.load_model(path).get_weights()))
    assert figures[0][0] == figures[1][0]
    for fast, plain in zip(figures[0][1], figures[1][1]):
        np.testing.assert_allclose(fast, plain, atol=1e-5)


@pytest.mark.parametrize("argv, lag", [
    pytest.param(["--random-sequences", "--alphabet", "9", "--shuffle", "--batch-size", "2", "--lag", "5", "--units",
                  "8"], 5, marks=extended),
    pytest.param(["--formulation", "full-bptt", "--batch-size", "2", "--shuffle", "--alphabet", "8"], 3,
                 marks=extended),
    pytest.param(["--formulation", "long-lag", "--lag", "5", "--last-step-share", "0.9", "--memory-units", "10"], 5,
                 marks=also_on_jax),
    pytest.param(["--formulation", "long-lag", "--lag", "5", "--shortcut", "4"], 5, marks=extended),
], ids=["step", "full", "long-lag", "shortcut"])
def test_every_option_runs_and_reports(argv, lag, tmp_path, capsys):
    metrics = run_script(memory_demo, ["--epochs", "5", *argv, "--quiet"], tmp_path)["metrics"]
    assert metrics["total_steps"] == 2 * (lag + 1) and len(metrics["last_step_margins"]) == 2
    assert f"Seed 1: {metrics['correct_steps']}/{2 * (lag + 1)} steps right" in capsys.readouterr().out


@pytest.mark.parametrize("argv, named", [
    (["--alphabet", "4"], "alphabet must be >= 5"),
    (["--batch-size", "3"], "3"),
    (["--formulation", "truncated"], "truncated"),
    (["--trials", "2", "--save", "m.keras"], "--trials 1"),
    (["--lag", "0"], "0"),
    (["--formulation", "full-bptt", "--memory-units", "4"], "--memory-units: only the long-lag model has these"),
    (["--formulation", "long-lag", "--last-step-share", "1"], "--last-step-share must be in (0, 1), got 1.0"),
    (["--formulation", "long-lag", "--memory-units", "21"], "--memory-units 21 is more than the LSTM has: --units 20"),
    (["--shortcut", "8", "--last-step-share", "0.9"], "--last-step-share, --shortcut: only the long-lag model has"),
])
def test_misuse_gives_one_line_and_status_2(argv, named, tmp_path, capsys):
    assert named in refused(memory_demo, argv, tmp_path, capsys)


def test_cell_states_are_the_lstms_own_and_a_shortcut_model_draws_them_saves_and_loads(tmp_path):
    task = memory.MemoryTask(lag=4)
    pairs = memory.step_pairs(task, memory.draw_sequences(task, None))
    x, _ = memory.arrange(pairs, [0, 1], 2, "full")
    seed_everything(2)
    model = models.memory_full_bptt(task.steps, task.width, units=3, long_lag=True, memory_units=2)
    states = memory.cell_states(model, x)
    assert states.shape == (2, task.steps, 3)
    whole = keras.layers.LSTM(3, return_state=True)
    whole.build(x.shape)
    whole.set_weights(model.layers[0].get_weights())
    _, _, last_cell = whole(x)
    np.testing.assert_allclose(states[:, -1], keras.ops.convert_to_numpy(last_cell), atol=1e-5)
    assert memory.units_to_show(states, 2) == [0, 1]
    picture, saved = tmp_path / "memory.png", tmp_path / "shortcut.keras"
    shortcut = ["--formulation", "long-lag", "--shortcut", "4"]
    first = run_script(memory_demo, [*shortcut, "--epochs", "2", "--plot-memory", picture, "--save", saved, "--quiet"],
                       tmp_path)
    assert picture.read_bytes()[:4] == b"\x89PNG"
    again = run_script(memory_demo, [*shortcut, "--load", saved, "--quiet"], tmp_path, name="again")
    assert again["metrics"]["last_step_margins"] == first["metrics"]["last_step_margins"]


# models.InputFirstLSTM: Keras's LSTM with its input product taken out of the loop, for the long-lag
# models. It must be the same layer: the same outputs, gradients, weights, saving and fallbacks.

# Keras's LSTM on PyTorch runs, by default, a loop of its own that adds the bias to the input
# product before the recurrent one; the cell's own arithmetic, which InputFirstLSTM follows, is the
# loop it runs with `use_cudnn=False`, as on TensorFlow and JAX without a GPU.
CELL_ARITHMETIC = {"use_cudnn": False} if BACKEND == "torch" else {}


def _lstm_pair(units=6, cell_arithmetic=True, **options):
    """A Keras LSTM (computing its gates as its cell does, unless `cell_arithmetic` is false) and an
    InputFirstLSTM with the same options (to be built with the same weights)."""
    seed_everything(3)
    plain = keras.layers.LSTM(units, **options, **(CELL_ARITHMETIC if cell_arithmetic else {}))
    return plain, models.InputFirstLSTM(units, **options)


def _same_weights(plain, first, shape):
    plain.build(shape)
    first.build(shape)
    first.set_weights(plain.get_weights())


def _one_hot_sequences(batch=2, steps=30, width=12, seed=0):
    return np.eye(width, dtype="float32")[np.random.default_rng(seed).integers(0, width, (batch, steps))]


def _numpy(tensors):
    return [keras.ops.convert_to_numpy(t) for t in tensors]


@also_on_jax
@pytest.mark.parametrize("options", [dict(return_sequences=True), dict(return_state=True),
                                     dict(return_sequences=True, unroll=True), dict(go_backwards=True)])
@pytest.mark.parametrize("one_hot_inputs", [False, True])
def test_input_first_lstm_computes_what_keras_lstm_computes_to_the_last_bit(options, one_hot_inputs):
    """On one-hot inputs, as the memory demo's, the input product is a row of the kernel exactly,
    multiplied out or picked."""
    x = _one_hot_sequences()
    plain, first = _lstm_pair(**options)
    first.one_hot_inputs = one_hot_inputs
    _same_weights(plain, first, x.shape)
    for expected, got in zip(_numpy(keras.tree.flatten(plain(x))), _numpy(keras.tree.flatten(first(x)))):
        np.testing.assert_array_equal(got, expected)


@also_on_jax
def test_input_first_lstm_on_any_inputs_is_within_rounding_of_keras_lstm():
    """Real-valued inputs: one product over all the steps may add in another order than one a step."""
    x = np.random.default_rng(1).normal(size=(3, 20, 7)).astype("float32")
    plain, first = _lstm_pair(return_sequences=True)
    _same_weights(plain, first, x.shape)
    np.testing.assert_allclose(_numpy([first(x)])[0], _numpy([plain(x)])[0], rtol=0, atol=1e-6)
    keras_default = keras.layers.LSTM(6, return_sequences=True)  # on PyTorch, Keras's own loop
    keras_default.build(x.shape)
    keras_default.set_weights(plain.get_weights())
    np.testing.assert_allclose(_numpy([first(x)])[0], _numpy([keras_default(x)])[0], rtol=0, atol=1e-6)


@also_on_jax
@pytest.mark.parametrize("one_hot_inputs", [False, True])
def test_input_first_lstm_gradients_equal_keras_lstms(one_hot_inputs):
    x, y = _one_hot_sequences(steps=40), _one_hot_sequences(steps=40, seed=1)
    gradients = []
    plain, first = _lstm_pair(return_sequences=True)
    first.one_hot_inputs = one_hot_inputs
    for layer in (plain, first):
        seed_everything(4)
        model = keras.Sequential([keras.Input(shape=x.shape[1:]), layer, keras.layers.Dense(12, activation="softmax")])
        if gradients:  # the second model starts from the first one's weights
            model.set_weights(gradients[0][1])
        model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(1.0))
        before = model.get_weights()
        model.train_on_batch(x, y)  # with SGD at rate 1, each weight moves by minus its gradient
        gradients.append(([b - a for a, b in zip(model.get_weights(), before)], before))
    assert isinstance(model.layers[0], models.InputFirstLSTM)
    for plain, first in zip(gradients[0][0], gradients[1][0]):
        np.testing.assert_allclose(first, plain, rtol=0, atol=1e-6)


@also_on_jax
def test_input_first_lstm_holds_an_lstms_weights_both_ways_and_round_trips_through_keras_files(tmp_path):
    x = _one_hot_sequences()
    plain, first = _lstm_pair()
    _same_weights(plain, first, x.shape)  # an LSTM's weights into the new layer
    assert [w.shape for w in first.weights] == [w.shape for w in plain.weights]
    back = keras.layers.LSTM(6, **CELL_ARITHMETIC)
    back.build(x.shape)
    back.set_weights(first.get_weights())  # and the new layer's into an LSTM
    np.testing.assert_array_equal(_numpy([back(x)])[0], _numpy([plain(x)])[0])
    first.one_hot_inputs = True
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), first])
    model.save(tmp_path / "first.keras")
    loaded = keras.models.load_model(tmp_path / "first.keras")
    assert type(loaded.layers[0]) is models.InputFirstLSTM and loaded.layers[0].one_hot_inputs
    np.testing.assert_array_equal(_numpy([loaded(x)])[0], _numpy([model(x)])[0])


@also_on_jax
def test_input_first_lstm_with_a_mask_or_dropout_runs_keras_lstms_own_loop():
    x = _one_hot_sequences()
    x[0, -5:] = 0  # padding, masked
    masked = [keras.Sequential([keras.Input(shape=x.shape[1:]), keras.layers.Masking(0.0), layer])
              for layer in _lstm_pair(cell_arithmetic=False)]
    masked[1].set_weights(masked[0].get_weights())
    np.testing.assert_array_equal(_numpy([masked[1](x)])[0], _numpy([masked[0](x)])[0])
    for options in (dict(dropout=0.3, seed=5), dict(recurrent_dropout=0.3, seed=5)):
        plain, first = _lstm_pair(cell_arithmetic=False, **options)
        _same_weights(plain, first, x.shape)
        np.testing.assert_array_equal(_numpy([first(x, training=True)])[0], _numpy([plain(x, training=True)])[0])


@also_on_jax
def test_a_stateful_input_first_lstm_carries_its_state_as_keras_lstm_does():
    x = _one_hot_sequences(steps=10)
    plain, first = _lstm_pair(stateful=True)
    _same_weights(plain, first, x.shape)
    for half in (x[:, :5], x[:, 5:]):  # the second call starts from the state the first left
        np.testing.assert_array_equal(_numpy([first(half)])[0], _numpy([plain(half)])[0])
    np.testing.assert_array_equal(_numpy(first.states), _numpy(plain.states))


LAYER_AT = {  # backend: the LSTM of a long-lag model above 150 steps, and of the 4-step full-BPTT model
    "tensorflow": (models.InputFirstLSTM, keras.layers.LSTM),  # above 150 steps only
    "jax": (models.InputFirstLSTM, models.InputFirstLSTM),  # at every length
    "torch": (keras.layers.LSTM, keras.layers.LSTM),  # never: Keras's own already hoists the input product
}


@also_on_jax
def test_the_long_sequence_models_use_input_first_lstm_and_the_tutorials_keeps_keras_lstm():
    long = memory.lstm_of(models.memory_full_bptt(301, 5, long_lag=True, shortcut=3))
    short = memory.lstm_of(models.memory_full_bptt(4, 5))
    assert (type(long), type(short)) == LAYER_AT[BACKEND]
    if type(long) is models.InputFirstLSTM:
        assert long.one_hot_inputs, "the memory demo's inputs are one-hot"
    assert type(memory.lstm_of(models.memory_stateful())) is keras.layers.LSTM


@also_on_jax
def test_the_fast_loop_trains_the_long_lag_model_as_the_tutorials_loop_does():
    """One epoch handed to the compiled loop once, its batches trained epoch after epoch, makes the
    updates that fitting each epoch's copy does."""
    task = memory.MemoryTask(lag=160)  # InputFirstLSTM on TensorFlow and JAX, its own loop (not unrolled)
    x, y = memory.arrange(memory.step_pairs(task, memory.draw_sequences(task, None)), [0, 1], 2, "full")
    trained = []
    for loop in ("fast", "plain"):
        seed_everything(6)
        model = models.memory_full_bptt(task.steps, task.width, units=8, long_lag=True, shortcut=4)
        assert type(memory.lstm_of(model)) is LAYER_AT[BACKEND][0]
        history = training.train(model, lambda: (x.copy(), y.copy()), 4, 1, progress=False, loop=loop)
        trained.append((history.loss, model.get_weights()))
    np.testing.assert_allclose(trained[0][0], trained[1][0], rtol=1e-5)
    for fast, plain in zip(trained[0][1], trained[1][1]):
        np.testing.assert_allclose(fast, plain, atol=1e-5)
