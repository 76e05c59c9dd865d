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
keeps TensorFlow out of a JAX run, keeps JAX's compiled programs on disk for the next run, and
imports Keras without the libraries of its optional integrations.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

SUPPORTED = ("tensorflow", "jax")
KERAS_EXTRAS = ("sklearn", "matplotlib", "IPython", "pandas")
"""What Keras imports at start-up, when installed, for integrations the suite never uses: its
scikit-learn wrappers, image-gallery plots, notebook display and pandas inputs to `fit`."""
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
    on JAX, make TensorFlow unimportable and turn on the compilation cache; then import Keras
    without its optional integrations.

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
    if backend == "jax":
        if "tensorflow" not in sys.modules:
            sys.modules["tensorflow"] = None  # `import tensorflow` now raises ImportError
        _keep_jax_compilations()
    _import_keras_without(KERAS_EXTRAS)


def _import_keras_without(names: tuple[str, ...]) -> None:
    """Import Keras while `names` cannot be imported, then let them be imported again.

    Keras imports each of them at start-up whenever it is installed, only to offer an integration
    of its own (`KERAS_EXTRAS`); together they are a large part of the time Keras takes to import,
    on every run and either backend (docs/speed.md). Keras treats a library that fails to import as
    absent and goes without that integration. The suite imports matplotlib itself, when it draws.
    """
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # `import name` now raises ImportError
    try:
        import keras  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def jax_cache_folder() -> Path:
    """Where JAX keeps the suite's compiled programs unless JAX_COMPILATION_CACHE_DIR says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "keras-lstm-tutorials" / "jax"


def _keep_jax_compilations() -> None:
    """Turn on JAX's persistent compilation cache, every compilation included, in `jax_cache_folder()`.

    A short run on JAX spends most of its time compiling: every weight initialiser, the training
    loop, the evaluation. The cache keeps each compiled program on disk, keyed by the program and
    the versions that built it, so a later run that compiles the same program (same script and
    shapes) loads it instead and computes exactly what a fresh compilation would. The user's own
    JAX_COMPILATION_CACHE_DIR is kept (every compilation kept there too, unless
    JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS says otherwise); JAX_ENABLE_COMPILATION_CACHE=false
    turns the cache off; an unwritable folder leaves it off. JAX writes entries in place, so a run
    killed while writing one leaves it damaged; JAX then compiles that program afresh, and its
    warning about it, which would come back on every run, is silenced.
    """
    if os.environ.get("JAX_ENABLE_COMPILATION_CACHE", "").lower() in ("0", "false", "no", "off"):
        return
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    warnings.filterwarnings("ignore", message="Error reading persistent compilation cache entry",
                            category=UserWarning)
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    folder = jax_cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK):
        os.environ["JAX_COMPILATION_CACHE_DIR"] = str(folder)


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
