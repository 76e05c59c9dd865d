"""The one place that knows which Keras backend runs; everything else imports `keras` and `keras.ops`.

Each supported backend has one module here with the same names:

- `seed(seed)`: the seeds and determinism settings of `--seed`;
- `CompiledSteps(model, metric)`: many training (or prediction) steps in one compiled call;
- `compiled_inference(model)`: one compiled forward pass for repeated evaluation;
- `distribution(name)`: the context that builds and trains a model over several devices;
- `FIT_REFUSAL`: None where Keras's own `fit` trains a stateful layer, its state carried between
  batches; elsewhere why it does not, for the plain loop's refusal;
- `INPUT_FIRST_ABOVE`: the sequence length above which the memory demo uses `models.InputFirstLSTM`
  instead of Keras's LSTM.

What must happen before Keras loads (refusing other backends, quieting TensorFlow's start-up) is
`common.runtime.startup.prepare_backend()`.
"""

from __future__ import annotations

from types import ModuleType

STRATEGIES = ("default", "mirrored")
"""default: one device; mirrored: data-parallel replicas over every GPU, else every CPU device."""


def current() -> ModuleType:
    """The module of the backend Keras runs on."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        from common.backends import tensorflow_backend as module
    elif backend == "jax":
        from common.backends import jax_backend as module
    elif backend == "torch":
        from common.backends import torch_backend as module
    else:
        raise RuntimeError(f"Keras runs on {backend}, which common.runtime.startup.prepare_backend() refuses")
    return module
