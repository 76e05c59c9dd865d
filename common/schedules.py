"""`--decay`: Adam's learning rate decayed to 0 over the run, the documented fix for a noise floor.

The tutorials keep Adam's rate at 0.001 to the end, so the last updates are as large as the middle
ones and the weights end on a random point of a jittering cloud; whether the rounded answers come
out right is then partly the seed's luck (addition_mapping at batch 1, three-digit addition).
A cosine decay to 0 lets the weights settle. It spends the late updates on settling, not learning,
so it needs a budget that already learns the task: at the tutorials' own budgets it made
addition_mapping, echo_full and seq2seq worse (README has the figures), so no default uses it.
"""

from __future__ import annotations

import keras

from common.checks import MisuseError, require_positive_int


def decay_learning_rate(model: keras.Model, total_steps: int) -> keras.Model:
    """Replace the compiled optimizer's constant rate r by r decayed to 0 over `total_steps` (cosine).

    Call it after `compile` and before training: the schedule is read from the optimizer's step
    count, so `fit` and the project's compiled loop both follow it.
    """
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        raise MisuseError("model must be a compiled keras.Model")
    require_positive_int("total_steps", total_steps)
    if int(model.optimizer.iterations.numpy()):
        raise MisuseError("decay_learning_rate must be called before the model's first update")
    initial = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    model.optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(initial, total_steps)
    return model
