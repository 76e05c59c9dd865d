"""Everything that must happen before Keras loads, done once, by the call at the top of a script.

Nothing here runs on import: a script (or a test, or a user's own program) calls
`prepare_backend()` before its first `import keras`. It

- refuses a backend the suite does not support, in one line with exit status 2;
- keeps TensorFlow's start-up lines off the first screen, where the backend is TensorFlow;
- keeps TensorFlow out of a JAX or PyTorch run, and JAX out of a PyTorch run, saying so in the
  error of any later import of them;
- refuses PyTorch in one line, saying how to install it, where it is not installed, and runs
  PyTorch's operations on one thread unless OMP_NUM_THREADS says otherwise;
- keeps JAX's compiled programs on disk for the next run;
- imports Keras without the libraries of its optional integrations, which the suite never uses.

The backend is chosen the Keras way: `KERAS_BACKEND`, else `keras.json` in Keras's home folder,
else TensorFlow. docs/speed.md gives what each of these saves at start-up.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
import threading
import warnings
from pathlib import Path
from typing import Iterator

SUPPORTED = ("tensorflow", "jax", "torch")
NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
KEPT_OUT = {"jax": ("tensorflow",), "torch": ("tensorflow", "jax")}
"""The other backends' libraries a run keeps out: Keras imports them, where installed, only to seed
TensorFlow and look for its types when saving, and for JAX's own checkpoint callback."""
TORCH_INSTALL = "python3 -m pip install -r requirements-torch.txt"
"""The README's line: PyTorch's CPU build (the file names PyTorch's index), which the suite's torch
backend needs."""
KERAS_EXTRAS = ("sklearn", "matplotlib", "IPython", "pandas")
"""What Keras imports at start-up, when installed, for integrations the suite never uses: its
scikit-learn wrappers, image-gallery plots, notebook display and pandas inputs to `fit`."""
ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
ABSL_LINE = re.compile(r"^([IWEF])\d{4} ")
"""A line of TensorFlow's native log: its first letter is the severity (info, warning, error, fatal)."""
SEVERITIES = "IWEF"

_prepared: str | None = None


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


def prepare_backend() -> str:
    """Prepare the configured backend and import Keras on it; return the backend's name.

    Call it before anything imports Keras; a second call does nothing. An unsupported backend
    ends the process with one line and exit status 2.
    """
    global _prepared
    if _prepared is not None:
        return _prepared
    backend = configured()
    if backend not in SUPPORTED:
        _refuse(f"KERAS_BACKEND={backend} is not supported: use one of {', '.join(SUPPORTED)}")
    if backend == "torch" and importlib.util.find_spec("torch") is None:
        _refuse(f"KERAS_BACKEND=torch needs PyTorch, which is not installed: {TORCH_INSTALL}")
    if backend in KEPT_OUT:
        keep_other_backends_out(backend)
    if backend == "jax":
        keep_jax_compilations()
    if backend == "torch":
        # PyTorch's operations share one OpenMP team of a thread per core, which waits for every
        # core at each of the thousands of small operations of a step: on a machine whose cores
        # are also busy with anything else, each step takes many times as long as on one thread.
        # A value you set is kept (docs/speed.md has both).
        if not os.environ.get("OMP_NUM_THREADS"):
            os.environ["OMP_NUM_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_tensorflow_start() if backend == "tensorflow" else contextlib.nullcontext():
        import_keras_without(KERAS_EXTRAS)
    _prepared = backend
    return backend


def _refuse(message: str) -> None:
    """End the process as a misused command line does: one line naming the program, exit status 2."""
    program = Path(sys.argv[0]).name or "python"
    print(f"{program}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


@contextlib.contextmanager
def quiet_tensorflow_start() -> Iterator[None]:
    """Apply TF_CPP_MIN_LOG_LEVEL to the lines TensorFlow's native code prints while it loads.

    TensorFlow reads its log level only once its logging has started: the lines printed before
    that (absl's preamble, the oneDNN notice, the missing-CUDA notice, each once per native
    library) reach the terminal whatever the level. Within the block, the process's stderr goes
    through a pipe; a thread passes every line on at once, except the preamble and native lines
    below the level in force. Errors and fatal lines always pass, and so does anything else, so a
    real failure while TensorFlow loads stays on screen, even one that ends the process.
    """
    try:
        level = int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        level = 0
    hidden = SEVERITIES[:min(level, 2)]  # error and fatal lines are never hidden
    sys.stderr.flush()
    terminal = os.dup(2)
    reading, writing = os.pipe()
    os.dup2(writing, 2)
    os.close(writing)
    relay = threading.Thread(target=_relay_lines, args=(reading, terminal, hidden), daemon=True)
    relay.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)  # closes the pipe's last writing end: the relay reads to its end
        relay.join()
        os.close(terminal)


def _relay_lines(reading: int, terminal: int, hidden: str) -> None:
    with os.fdopen(reading, "rb") as pipe:
        for line in pipe:
            text = line.decode(errors="replace").rstrip("\n")
            severity = ABSL_LINE.match(text)
            if text == ABSL_PREAMBLE or (severity and severity.group(1) in hidden):
                continue
            os.write(terminal, line)


class _KeptOut(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Fails the import of the other backends' libraries, with the reason in the error.

    Only the import fails: `importlib.util.find_spec`, with which PyTorch looks for libraries to
    leave out of its compiler's traces, still finds them, without loading them.
    """

    def __init__(self, backend: str, libraries: list[str]):
        self.backend, self.libraries = backend, libraries

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] in self.libraries:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        library = spec.name.partition(".")[0]
        reason = "Keras would import it only to seed it" if library == "tensorflow" else \
            "Keras would import it only for a checkpoint callback the suite never uses"
        raise ModuleNotFoundError(
            f"{NAMES[library]} is kept out of this {NAMES[self.backend]} run by "
            f"common.runtime.startup.keep_other_backends_out ({reason}); "
            f"run with KERAS_BACKEND={library} to use it", name=spec.name)

    def exec_module(self, module: object) -> None:
        """Never reached: `create_module` refuses every module."""


def keep_other_backends_out(backend: str) -> None:
    """Make importing the libraries `KEPT_OUT[backend]` fail for the rest of this process, saying why.

    On JAX and PyTorch, Keras still imports TensorFlow whenever it is installed, to seed it in
    `keras.utils.set_random_seed` and to look for its types when saving a model; on PyTorch it
    imports JAX too, for a checkpoint callback: seconds of start-up and a screen of log for
    nothing. Keras treats a library that fails to import as absent. One already imported is left
    alone.
    """
    libraries = [library for library in KEPT_OUT[backend] if library not in sys.modules]
    if libraries and not any(isinstance(finder, _KeptOut) for finder in sys.meta_path):
        sys.meta_path.insert(0, _KeptOut(backend, libraries))


def import_keras_without(names: tuple[str, ...]) -> None:
    """Import Keras while `names` cannot be imported, then let them be imported again.

    Keras imports each of them at start-up whenever it is installed, only to offer an integration
    of its own (`KERAS_EXTRAS`); together they are a large part of the time Keras takes to import,
    on every run and either backend. Keras treats a library that fails to import as absent and
    goes without that integration for the rest of the process. The suite imports matplotlib
    itself, when it draws.
    """
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # `import name` raises ImportError while Keras loads
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


def keep_jax_compilations() -> None:
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
