"""The one place that knows which Keras backend runs; everything else imports `keras` and `keras.ops`.

The backend is chosen the Keras way: `KERAS_BACKEND`, else `keras.json` in Keras's home folder,
else TensorFlow. Each supported backend has one module here with the same names:

- `seed(seed)`: the seeds and determinism settings of `--seed`;
- `CompiledSteps(model, metric)`: many training (or prediction) steps in one compiled call;
- `compiled_inference(model)`: one compiled forward pass for repeated evaluation;
- `distribution(name)`: the context that builds and trains a model over several devices;
- `FIT_CARRIES_STATE`: whether Keras's own `fit` carries a stateful layer's state between batches.

`prepare()` runs before Keras is first imported (from `common/__init__.py`): it refuses a backend
the suite does not support, in one line with exit status 2, quiets the TensorFlow start-up log,
and keeps TensorFlow out of a JAX run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import ModuleType

SUPPORTED = ("tensorflow", "jax")
STRATEGIES = ("default", "mirrored")
"""default: one device; mirrored: data-parallel replicas over every GPU, else every CPU device."""


def configured() -> str:
    """The backend Keras will load, read as Keras reads it, without importing Keras."""
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    try:
        return json.loads((home / "keras.json").read_text()).get("backend") or "tensorflow"
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def prepare() -> None:
    """Refuse an unsupported backend before anything runs; quiet TensorFlow's C++ start-up log;
    on JAX, make TensorFlow unimportable.

    TF_CPP_MIN_LOG_LEVEL is only read when TensorFlow loads, so it is set here, before Keras
    imports it; a value the user set is kept. On JAX, Keras would still import TensorFlow
    whenever it is installed, to seed it in `keras.utils.set_random_seed` and to look for its
    types when saving a model: seconds of start-up and a screen of log for nothing. Keras treats
    a TensorFlow that fails to import as absent.
    """
    backend = configured()
    if backend not in SUPPORTED:
        program = Path(sys.argv[0]).name or "python"
        print(f"{program}: error: KERAS_BACKEND={backend} is not supported: use one of {', '.join(SUPPORTED)}",
              file=sys.stderr)
        raise SystemExit(2)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if backend == "jax" and "tensorflow" not in sys.modules:
        sys.modules["tensorflow"] = None  # `import tensorflow` now raises ImportError


def current() -> ModuleType:
    """The module of the backend Keras runs on."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        from common.backends import tensorflow_backend as module
    elif backend == "jax":
        from common.backends import jax_backend as module
    else:
        raise RuntimeError(f"Keras runs on {backend}, which common.backends.prepare() should have refused")
    return module
