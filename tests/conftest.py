"""Helpers every test module shares: the backend under test, and running a script in a subprocess."""

import atexit
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# JAX's compilation cache in a folder of this test process's own, not the user's (a test that kills
# a run may leave a damaged entry): set before `common` prepares the backend and Keras loads JAX.
os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="jax-cache-")
atexit.register(shutil.rmtree, os.environ["JAX_COMPILATION_CACHE_DIR"], ignore_errors=True)

from common.runtime.startup import prepare_backend  # noqa: E402

prepare_backend()  # as every script does, before Keras loads

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from common import echo  # noqa: E402
from common.runtime import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Tests check behaviour, never wall time: no per-example deadline for the property tests.
settings.register_profile("behaviour", deadline=None)
settings.load_profile("behaviour")
BACKEND = keras.backend.backend()
TORCH_INSTALLED = importlib.util.find_spec("torch") is not None
"""PyTorch is the one backend the test requirements do not install (requirements-torch.txt does)."""
needs_torch = pytest.mark.skipif(not TORCH_INSTALLED, reason="PyTorch is not installed (requirements-torch.txt)")


def run_python(code_or_script, *argv, backend=BACKEND, env=None, timeout=1800):
    """Run a script of the suite (a path) or Python code (a string) under `backend`; return the result."""
    command = [sys.executable, str(code_or_script)] if isinstance(code_or_script, Path) else \
        [sys.executable, "-c", code_or_script]
    environment = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
                       **(env or {}))
    return subprocess.run([*command, *map(str, argv)], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=timeout)


def run_script(script, argv, tmp_path: Path, name: str = "run") -> dict:
    """`script.main(argv)` in this process, its figures written with `--json` under `tmp_path`;
    returns that JSON document (what the script printed stays in pytest's capture: `capsys`)."""
    path = tmp_path / f"{name}.json"
    assert script.main([*map(str, argv), "--json", str(path)]) == 0
    return json.loads(path.read_text())


def refused(script, argv, tmp_path: Path, capsys) -> str:
    """Run `script` as the terminal does (`cli.run`) on misused `argv`; check it ends with status 2
    and one line on stderr, no traceback, and writes no `--json`; return that line."""
    path = tmp_path / "never.json"
    with pytest.raises(SystemExit) as stopped:
        cli.run(script.main, [*map(str, argv), "--json", str(path)])
    err = capsys.readouterr().err
    assert stopped.value.code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not path.exists()
    return err.strip()


also_on_jax = pytest.mark.also_on_jax
"""Backend-sensitive (the fast loop, a tiny run of every script, seeding, save and load, every
guarantee of the README's Reliability section): run on JAX and PyTorch as well as TensorFlow. On
JAX and PyTorch only these and the reproductions run; the rest check data, encoders, argument
handling and TensorFlow's own `fit`, which the other backends do not change."""
reproduction = pytest.mark.reproduction
"""A reproduction at a tutorial's own settings, or a documented fix, on a fixed seed, held to a
bound that every seed measured on TensorFlow and JAX met (the experiment's docs page gives their
figures): another CPU's rounding can move a run as another seed does, so one seed's figure would
not do. Run on every backend; PyTorch is held to the same bounds."""
extended = pytest.mark.extended
"""More of what the core tests already check (every option combination, fuzzed command lines that
train, the terminal and distributed paths): each trains its own models, so the README's test
command leaves them out; `python3 -m pytest -m extended` runs them."""


def pytest_collection_modifyitems(config, items):
    """On JAX and PyTorch, keep only the tests marked `also_on_jax` and the reproductions."""
    if BACKEND == "tensorflow":
        return
    kept = [item for item in items if item.get_closest_marker("also_on_jax") or item.get_closest_marker("reproduction")]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def tutorial_framing(sequence, n_in, n_out):
    """The echo tutorial's own `to_supervised`, with pandas: lagged copies by `shift`, incomplete
    rows dropped; the reference `echo.frame_windows` is checked against."""
    import pandas as pd

    frame = pd.DataFrame(sequence)
    values = pd.concat([frame.shift(n_in - i - 1) for i in range(n_in)], axis=1).dropna().to_numpy()
    width = sequence.shape[1]
    return values.reshape(len(values), n_in, width), values[:, : n_out * width].reshape(len(values), n_out, width)


def echo_source(seed, n_values=20, sequences=1):
    """Epochs of `sequences` random 12-long sequences framed into 10 windows of 3, from Python's
    random: the same numbers on every backend."""
    rng = random.Random(seed)

    def next_epoch():
        task = echo.EchoTask(length=12, n_values=n_values, n_in=3, n_out=3)
        windows = [echo.sequence_windows(task, echo.random_sequence(12, n_values, rng))[:2] for _ in range(sequences)]
        return np.concatenate([x for x, _ in windows]), np.concatenate([y for _, y in windows])

    return next_epoch
