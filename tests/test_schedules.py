"""`--decay`: the rate really decays to 0, the fast loop follows it as `fit` does, misuse is refused."""

import random

import numpy as np
import pytest

from common import data, models, schedules, session, training


def _mapping_source(seed):
    rng = random.Random(seed)

    def next_epoch():
        x, y = data.scaled_sum_pairs(20, 2, 100, rng)
        return x.reshape(-1, 2, 1), y.reshape(-1, 1)

    return next_epoch


def _decayed_model(seed, total_steps):
    session.seed_everything(seed)
    return schedules.decay_learning_rate(models.addition_lstm(2, 4), total_steps)


def test_rate_starts_at_adams_and_ends_at_zero():
    model = _decayed_model(1, total_steps=20)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    training.train(model, _mapping_source(2), 2, 2, progress=False)  # 2 epochs x 10 batches = 20 steps
    assert int(model.optimizer.iterations) == 20
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)


def test_fast_loop_follows_the_schedule_as_fit_does():
    fast, plain = _decayed_model(5, 30), _decayed_model(5, 30)
    session.seed_everything(5)
    constant = models.addition_lstm(2, 4)
    training.train(fast, _mapping_source(2), 3, 2, progress=False)
    training.train_plain(plain, _mapping_source(2), 3, 2)
    training.train(constant, _mapping_source(2), 3, 2, progress=False)
    difference = max(float(np.max(np.abs(u - v))) for u, v in zip(fast.get_weights(), plain.get_weights()))
    from_constant = max(float(np.max(np.abs(u - v)))
                        for u, v in zip(fast.get_weights(), constant.get_weights()))
    assert difference < 1e-5
    assert from_constant > 1e-4  # the schedule changed the updates, so the comparison means something


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="compiled keras.Model"):
        schedules.decay_learning_rate("model", 10)
    with pytest.raises(ValueError, match="total_steps"):
        schedules.decay_learning_rate(models.addition_lstm(2, 4), 0)
    model = models.addition_lstm(2, 4)
    training.train(model, _mapping_source(2), 1, 2, progress=False)
    with pytest.raises(ValueError, match="before the model's first update"):
        schedules.decay_learning_rate(model, 10)
