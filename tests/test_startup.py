"""Start-up: importing the suite does nothing by itself, and a run's first screen is its own.

Each check starts a fresh Python process, as a user's run does: what a process imported, or what
TensorFlow printed while it loaded, cannot be undone within this one.
"""

import pkgutil

import pytest

import common
from conftest import ROOT, needs_torch, run_python

BACKENDS = ["tensorflow", "jax", pytest.param("torch", marks=needs_torch)]

KERAS_FREE = ["common.checks", "common.sums", "common.echo", "common.questions", "common.brackets", "common.binary"]
"""The modules whose job needs no Keras: data, encoders, scoring, the printed rows."""


def test_a_data_module_imports_no_keras():
    done = run_python(f"""
import sys
for name in {KERAS_FREE!r}:
    __import__(name)
print(sorted(name for name in ("keras", "tensorflow", "jax", "torch") if name in sys.modules))
""")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"


def _every_module() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(common.__path__, "common."))


@pytest.mark.parametrize("backend", BACKENDS)
def test_importing_any_module_of_common_changes_nothing_else(backend):
    """No backend preparation at import: no library hidden, no import hook added, no environment set,
    beyond what importing Keras itself does."""
    done = run_python(f"""
import os, sys
os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user's own program starts: nothing set for it
import keras
hooks, environment = list(sys.meta_path), dict(os.environ)
for name in {_every_module()!r}:
    if name.endswith("_backend"):
        continue  # a backend's own module imports that backend, as it is for
    __import__(name)
print([name for name, module in sys.modules.items() if module is None], sys.meta_path == hooks,
      sorted(set(os.environ.items()) ^ set(environment.items())))
""", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[] True []"


@pytest.mark.parametrize("backend", BACKENDS)
def test_help_prints_only_the_help_and_a_run_only_its_own_lines(backend, tmp_path):
    done = run_python(ROOT / "echo_full.py", "--help", backend=backend)
    assert done.returncode == 0 and done.stdout.startswith("usage: echo_full.py")
    assert done.stderr == ""
    done = run_python(ROOT / "addition_mlp.py", "--epochs", "1", "--examples", "4", "--quiet", backend=backend)
    assert done.returncode == 0 and done.stdout.startswith("Trained 1 epochs")
    assert done.stderr == ""


def test_tensorflows_errors_and_other_lines_still_reach_the_terminal():
    """Within the quiet start, lines below TensorFlow's log level go; errors, fatal lines and
    anything that is not TensorFlow's log pass on, in order."""
    done = run_python("""
import os
from common.runtime.startup import ABSL_PREAMBLE, quiet_tensorflow_start
with quiet_tensorflow_start():
    os.write(2, (ABSL_PREAMBLE + "\\n").encode())
    os.write(2, b"I0000 00:00:1.5 1 port.cc:153] an info line\\n")
    os.write(2, b"E0000 00:00:1.5 1 stub.cc:31] a real error\\n")
    os.write(2, b"Traceback (most recent call last): a failure of another kind\\n")
    os.write(2, b"W0000 00:00:1.5 1 x.cc:1] a warning, below level 2\\n")
    os.write(2, b"F0000 00:00:1.5 1 y.cc:2] a fatal line\\n")
print("done")
""", env={"TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0 and done.stdout == "done\n"
    assert done.stderr.splitlines() == [
        "E0000 00:00:1.5 1 stub.cc:31] a real error",
        "Traceback (most recent call last): a failure of another kind",
        "F0000 00:00:1.5 1 y.cc:2] a fatal line",
    ]


@pytest.mark.parametrize("backend, library, name", [
    ("jax", "tensorflow", "TensorFlow"),
    pytest.param("torch", "tensorflow", "TensorFlow", marks=needs_torch),
    pytest.param("torch", "jax", "JAX", marks=needs_torch),
])
def test_importing_another_backends_library_fails_saying_why(backend, library, name):
    done = run_python(f"""
from common.runtime.startup import prepare_backend
prepare_backend()
import {library}
""", backend=backend)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    here = {"jax": "JAX", "torch": "PyTorch"}[backend]
    assert last.startswith(f"ModuleNotFoundError: {name} is kept out of this {here} run")
    assert f"KERAS_BACKEND={library}" in last


@needs_torch
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_a_run_on_another_backend_never_imports_torch(backend, tmp_path):
    """Keras imports PyTorch only on its own backend: a run of a script, saving its model included,
    leaves it out, where it is installed."""
    done = run_python(f"""
import sys
import addition_mapping
assert addition_mapping.main(["--epochs", "1", "--examples", "4", "--quiet", "--save", {str(tmp_path / "m.keras")!r}]) == 0
print("torch" in sys.modules)
""", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "False"


@needs_torch
def test_torch_runs_on_one_thread_unless_told_otherwise():
    """PyTorch's threads wait for every core at each small operation: on a busy machine, a step
    on two threads takes many times as long as on one (docs/speed.md)."""
    code = """
from common.runtime.startup import prepare_backend
prepare_backend()
import torch
print(torch.get_num_threads())
"""
    done = run_python(code, backend="torch", env={"OMP_NUM_THREADS": ""})
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr[-3000:]
    done = run_python(code, backend="torch", env={"OMP_NUM_THREADS": "2"})
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr[-3000:]
