"""The fast loop computes what the tutorials' per-epoch `fit` loop computes, resets included."""

import random

import keras
import numpy as np
import pytest

from common import backends, models, schedules, sums, training
from common.backends.base import STEP_BY_STEP_ABOVE
from common.runtime.run import seed_everything
from conftest import BACKEND, also_on_jax, echo_source



def _stateful_model(seed):
    seed_everything(seed)
    return models.echo_full(batch_size=5, n_in=3, width=20, units=8)


def _mapping_source(seed):
    rng = random.Random(seed)

    def next_epoch():
        x, y = sums.scaled_sum_pairs(20, 2, 100, rng)
        return x.reshape(-1, 2, 1), y.reshape(-1, 1)

    return next_epoch


def _max_weight_difference(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a.get_weights(), b.get_weights()))


def test_stateful_fast_loop_equals_fit_per_sequence_with_resets():
    fast, plain = _stateful_model(3), _stateful_model(3)
    fast_history = training.train(fast, echo_source(7, sequences=2), 3, 5, reset_after=10,
                                  metric="categorical", progress=False)
    plain_history = training.tutorial_loop(plain, echo_source(7, sequences=2), 3, 5, reset_after=10)
    assert _max_weight_difference(fast, plain) < 1e-5
    np.testing.assert_allclose(fast_history.loss, plain_history.loss, rtol=1e-5)
    np.testing.assert_allclose(fast_history.accuracy, plain_history.accuracy, atol=1e-6)


@also_on_jax
def test_skipping_the_resets_would_be_detected():
    skipped, reset = _stateful_model(3), _stateful_model(3)
    training.train(skipped, echo_source(7, sequences=2), 2, 5, reset_after=20, progress=False)
    if backends.current().FIT_REFUSAL is None:
        training.tutorial_loop(reset, echo_source(7, sequences=2), 2, 5, reset_after=10)
    else:
        training.train(reset, echo_source(7, sequences=2), 2, 5, reset_after=10, progress=False)
    assert _max_weight_difference(skipped, reset) > 1e-4


@also_on_jax
def test_predict_carries_the_state_as_eager_stateful_calls_do():
    model = _stateful_model(2)
    x, _ = echo_source(4)()
    carried = training.predict(model, x, 5, reset_after=None)
    eager = np.concatenate([keras.ops.convert_to_numpy(model(x[i : i + 5])) for i in range(0, len(x), 5)])
    np.testing.assert_allclose(carried, eager, atol=1e-6)
    not_carried = training.predict(model, x, 5, reset_after=5)  # a reset before every batch
    assert np.max(np.abs(carried - not_carried)) > 1e-4, "the control: dropping the state is caught"


@also_on_jax
@pytest.mark.skipif(backends.current().FIT_REFUSAL is None, reason="the plain loop works where fit carries state")
def test_plain_loop_refuses_stateful_models_where_fit_drops_the_state():
    with pytest.raises(ValueError, match="--loop plain is not available for stateful models"):
        training.tutorial_loop(_stateful_model(1), echo_source(1), 1, 5, reset_after=10)


@also_on_jax
@pytest.mark.skipif(BACKEND != "torch", reason="the refusal that only PyTorch needs")
def test_on_torch_kerass_fit_still_fails_on_a_stateful_lstm_which_is_why_the_plain_loop_is_refused():
    """Keras's LSTM on PyTorch saves the state tensor for the backward pass, then writes the new
    state into that same tensor. Once an installed Keras no longer fails here, the plain loop can
    be allowed on PyTorch (`FIT_REFUSAL`, common/backends/torch_backend.py)."""
    model = _stateful_model(1)
    x, y = echo_source(1)()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        model.fit(x, y, batch_size=5, shuffle=False, epochs=1, verbose=0)


@also_on_jax
def test_stateless_fast_loop_equals_fit_per_epoch():
    seed_everything(5)
    fast = models.addition_lstm(2, 4)
    seed_everything(5)
    plain = models.addition_lstm(2, 4)
    fast_history = training.train(fast, _mapping_source(2), 3, 2, progress=False)
    plain_history = training.tutorial_loop(plain, _mapping_source(2), 3, 2)
    assert _max_weight_difference(fast, plain) < 1e-5
    np.testing.assert_allclose(fast_history.loss, plain_history.loss, rtol=1e-4)


def _long_stateful_model(seed, steps):
    seed_everything(seed)
    model = keras.Sequential([keras.Input(batch_shape=(1, steps, 3)),
                              keras.layers.LSTM(4, stateful=True, return_sequences=True),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def _long_source(seed, steps):
    rng = np.random.default_rng(seed)

    def next_epoch():
        classes = rng.integers(0, 3, size=(4, steps + 1))
        x = np.eye(3, dtype=np.float32)[classes]
        return x[:, :-1], x[:, 1:]

    return next_epoch


def test_step_by_step_loop_over_long_sequences_equals_fit_with_resets():
    steps = STEP_BY_STEP_ABOVE + 1
    fast, plain = _long_stateful_model(2, steps), _long_stateful_model(2, steps)
    fast_history = training.train(fast, _long_source(6, steps), 2, 1, reset_after=2, progress=False)
    plain_history = training.tutorial_loop(plain, _long_source(6, steps), 2, 1, reset_after=2)
    assert training._compiled_for(fast, None).step_by_step
    assert _max_weight_difference(fast, plain) < 1e-5
    np.testing.assert_allclose(fast_history.loss, plain_history.loss, rtol=1e-5)
    x, _ = _long_source(8, steps)()
    expected = []
    for start in (0, 2):
        training.reset_states(plain)
        expected.append(plain.predict(x[start : start + 2], batch_size=1, verbose=0))
    np.testing.assert_allclose(training.predict(fast, x, 1, reset_after=2), np.concatenate(expected), atol=1e-5)


@also_on_jax
def test_predict_resets_state_between_sequences():
    model = _stateful_model(1)
    x, _ = echo_source(4)()
    twice = np.concatenate([x, x])
    with_resets = training.predict(model, twice, 5, reset_after=10)
    np.testing.assert_allclose(with_resets[:10], with_resets[10:], atol=1e-6)
    carried = training.predict(model, twice, 5, reset_after=None)
    assert np.max(np.abs(carried[:10] - carried[10:])) > 1e-4
    np.testing.assert_allclose(carried[:10], with_resets[:10], atol=1e-6)


@also_on_jax
def test_same_seed_same_numbers():
    runs = []
    for _ in range(2):
        model = _stateful_model(11)
        history = training.train(model, echo_source(11), 2, 5, reset_after=10, progress=False)
        runs.append((history.loss, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


@also_on_jax
def test_a_run_split_into_calls_trains_as_one_call_does(monkeypatch):
    """Each call's epochs are drawn while the call before it trains; the split must change nothing."""
    whole, split = _stateful_model(4), _stateful_model(4)
    whole_history = training.train(whole, echo_source(9, sequences=2), 4, 5, reset_after=10,
                                   metric="categorical", progress=False)
    monkeypatch.setattr(training, "STEPS_PER_CALL", 4)
    assert training.epochs_per_call(4, 4, 1) == 1, "the control: one epoch of 4 steps a call"
    split_history = training.train(split, echo_source(9, sequences=2), 4, 5, reset_after=10,
                                   metric="categorical", progress=False)
    assert _max_weight_difference(whole, split) < 1e-6
    np.testing.assert_allclose(split_history.loss, whole_history.loss, rtol=1e-6)
    np.testing.assert_allclose(split_history.accuracy, whole_history.accuracy, atol=1e-6)


@also_on_jax
@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0, batch_size=5), "epochs"),
    (dict(epochs=1, batch_size=3), "multiple of batch_size"),
    (dict(epochs=1, batch_size=5, reset_after=7), "reset_after"),
    (dict(epochs=1, batch_size=5, metric="f1"), "metric"),
])
def test_bad_schedules_are_refused(kwargs, message):
    model = _stateful_model(1)
    with pytest.raises(ValueError, match=message):
        training.train(model, echo_source(1), progress=False, **kwargs)


# --decay (common/schedules.py): the rate really decays to 0, and the fast loop follows it as fit does.
def _decayed_model(seed, total_steps):
    seed_everything(seed)
    return schedules.decay_learning_rate(models.addition_lstm(2, 4), total_steps)


@also_on_jax
def test_rate_starts_at_adams_and_ends_at_zero():
    model = _decayed_model(1, total_steps=20)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    training.train(model, _mapping_source(2), 2, 2, progress=False)  # 2 epochs x 10 batches = 20 steps
    assert int(model.optimizer.iterations) == 20
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)


@also_on_jax
def test_fast_loop_follows_the_schedule_as_fit_does():
    fast, plain = _decayed_model(5, 30), _decayed_model(5, 30)
    seed_everything(5)
    constant = models.addition_lstm(2, 4)
    training.train(fast, _mapping_source(2), 3, 2, progress=False)
    training.tutorial_loop(plain, _mapping_source(2), 3, 2)
    training.train(constant, _mapping_source(2), 3, 2, progress=False)
    difference = max(float(np.max(np.abs(u - v))) for u, v in zip(fast.get_weights(), plain.get_weights()))
    from_constant = max(float(np.max(np.abs(u - v)))
                        for u, v in zip(fast.get_weights(), constant.get_weights()))
    assert difference < 1e-5
    assert from_constant > 1e-4  # the schedule changed the updates, so the comparison means something


@also_on_jax
def test_misuse_is_refused():
    with pytest.raises(ValueError, match="compiled keras.Model"):
        schedules.decay_learning_rate("model", 10)
    with pytest.raises(ValueError, match="total_steps"):
        schedules.decay_learning_rate(models.addition_lstm(2, 4), 0)
    model = models.addition_lstm(2, 4)
    training.train(model, _mapping_source(2), 1, 2, progress=False)
    with pytest.raises(ValueError, match="before the model's first update"):
        schedules.decay_learning_rate(model, 10)


def test_a_call_hands_over_an_unchanged_epoch_once_and_stacks_changing_ones():
    """The memory demo's epochs are the same two sequences every time: one copy goes to the
    compiled loop, its batches trained in turn; epochs that change are stacked as drawn."""
    x, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.ones((6, 1), np.float32)
    xs, ys, batches = training._call_data(iter([(x.copy(), y.copy())] * 3), 3, 2, x, y)
    assert xs.shape == (3, 2, 2) and ys.shape == (3, 2, 1)
    assert batches.tolist() == [0, 1, 2] * 3
    handed, _, _ = training._call_data(iter([(x, y)] * 3), 3, 2, x, y)  # a source that reuses its arrays
    assert not np.shares_memory(handed, x), "on JAX the call may still read it while the next epoch is written"
    changed = [(x, y), (x.copy(), y.copy()), (x + 1, y)]  # the third epoch differs
    xs, ys, batches = training._call_data(iter(changed), 3, 2, x, y)
    assert batches.tolist() == list(range(9))
    np.testing.assert_array_equal(xs.reshape(3, 6, 2), np.stack([x, x, x + 1]))
