"""`--decay`: Adam's learning rate decayed to 0 over the run, the documented fix for a noise floor.

The tutorials keep Adam's rate at 0.001 to the end. In a long run (three-digit addition) the last
updates are as large as the middle ones, so the weights end on a random point of a jittering
cloud, and a few answers with them. A cosine decay to 0 takes the same number of updates and lets
the weights settle. In short runs it costs learning instead (measured: addition_mapping, echo_full
and the tutorial's seq2seq all got worse), so no script uses it by default.
"""

from __future__ import annotations

import keras

from common.checks import require_positive_int


def decay_learning_rate(model: keras.Model, total_steps: int) -> keras.Model:
    """Replace the compiled optimizer's constant rate r by r decayed to 0 over `total_steps` (cosine).

    Call it after `compile` and before training: the schedule is read from the optimizer's step
    count, so `fit` and the project's compiled loop both follow it.
    """
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        raise ValueError("model must be a compiled keras.Model")
    require_positive_int("total_steps", total_steps)
    if int(model.optimizer.iterations.numpy()):
        raise ValueError("decay_learning_rate must be called before the model's first update")
    initial = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    model.optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(initial, total_steps)
    return model
