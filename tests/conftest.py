"""Helpers every test module shares: the backend under test, and running a script in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKEND = keras.backend.backend()


def run_python(code_or_script, *argv, backend=BACKEND, env=None, timeout=600):
    """Run a script of the suite (a path) or Python code (a string) under `backend`; return the result."""
    command = [sys.executable, str(code_or_script)] if isinstance(code_or_script, Path) else \
        [sys.executable, "-c", code_or_script]
    environment = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([*command, *map(str, argv)], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=timeout)


fit_carries_state = pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="Keras's fit on JAX drops the LSTM state, so there is no plain loop for stateful models "
           "there: test_backends.py compares the JAX loop with TensorFlow's fit instead")
only_on_tensorflow = pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow-only behaviour")
once = pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="starts both backends in subprocesses itself: run in the TensorFlow pass only")
