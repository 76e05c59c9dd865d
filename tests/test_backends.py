"""Both backends: the JAX loop trains as TensorFlow's `fit` does, state carried; models move
between backends; distribution, backend refusal and the TensorFlow-free JAX run.

Each test starts the backends it needs in subprocesses, so it runs once, in the TensorFlow pass.
"""

import json

import numpy as np
import pytest

from conftest import ROOT, once, run_python

pytestmark = once

# Train a small stateful echo model (batch 5, two sequences of 10 windows an epoch) from the
# initial weights in INIT (written there first if absent) and save the trained weights to OUT.
TRAIN_ECHO = """
import random, sys
from pathlib import Path
import numpy as np
from common import data, encoding, models, session, training
init, out, loop, sequence_samples = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
session.seed_everything(3)
model = models.echo_full(batch_size=5, n_in=3, width=20, units=8)
if init.exists():
    model.set_weights(list(np.load(init).values()))
else:
    np.savez(init, *model.get_weights())
rng = random.Random(7)
def next_epoch():
    windows = [data.frame_windows(encoding.one_hot(data.random_sequence(12, 20, rng), 20), 3, 3) for _ in range(2)]
    return np.concatenate([x for x, _ in windows]), np.concatenate([y for _, y in windows])
history = training.train(model, next_epoch, 3, 5, sequence_samples, metric="categorical", progress=False, loop=loop)
np.savez(out, *model.get_weights(), loss=np.array(history.loss))
"""


def _train_echo(tmp_path, backend, loop, sequence_samples, name):
    out = tmp_path / f"{name}.npz"
    done = run_python(TRAIN_ECHO, tmp_path / "init.npz", out, loop, sequence_samples, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    saved = np.load(out)
    return [saved[f"arr_{i}"] for i in range(len(saved.files) - 1)], saved["loss"]


def _max_difference(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b))


def test_jax_fast_loop_makes_tensorflow_fits_updates_with_the_state_carried(tmp_path):
    # TensorFlow's per-sequence fit carries the LSTM state across the two batches of a sequence and
    # resets it between sequences: the tutorial's schedule, and the reference for both loops.
    reference, reference_loss = _train_echo(tmp_path, "tensorflow", "plain", 10, "tf_plain")
    jax_fast, jax_loss = _train_echo(tmp_path, "jax", "fast", 10, "jax_fast")
    assert _max_difference(reference, jax_fast) < 1e-5
    np.testing.assert_allclose(jax_loss, reference_loss, rtol=1e-5)
    # Control: a loop that never carried the state (a reset before every batch) is caught.
    not_carried, _ = _train_echo(tmp_path, "jax", "fast", 5, "jax_reset_every_batch")
    assert _max_difference(reference, not_carried) > 1e-4


def test_plain_loop_on_jax_refuses_stateful_models_in_one_line():
    done = run_python(ROOT / "echo_full.py", "--epochs", "1", "--loop", "plain", "--quiet", backend="jax")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--loop plain" in done.stderr, done.stderr


def test_a_jax_run_imports_no_tensorflow():
    code = ("import sys, runpy; sys.argv = ['addition_mlp.py', '--epochs', '1', '--quiet']\n"
            "try:\n    runpy.run_path('addition_mlp.py', run_name='__main__')\n"
            "except SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
            "print('tensorflow loaded:', 'tensorflow' in sys.modules)")
    done = run_python(code, backend="jax")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tensorflow loaded: False" in done.stdout
    assert "RMSE" in done.stdout


def test_torch_is_refused_in_one_line_before_anything_runs(tmp_path):
    out = tmp_path / "out.json"
    done = run_python(ROOT / "addition_mlp.py", "--json", out, backend="torch")
    assert done.returncode == 2
    assert done.stderr.strip() == ("addition_mlp.py: error: KERAS_BACKEND=torch is not supported: "
                                   "use one of tensorflow, jax")
    assert done.stdout == "" and not out.exists()


@pytest.mark.parametrize("saved_on, loaded_on", [("tensorflow", "jax"), ("jax", "tensorflow")])
def test_a_model_saved_on_one_backend_predicts_the_same_on_the_other(tmp_path, saved_on, loaded_on):
    model = tmp_path / "mlp.keras"
    outputs = {}
    for backend, flags in ((saved_on, ["--epochs", "2", "--save", model]), (loaded_on, ["--load", model])):
        out = tmp_path / f"{backend}.json"
        done = run_python(ROOT / "addition_mlp.py", "--quiet", "--json", out, *flags, backend=backend)
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[backend] = json.loads(out.read_text())["metrics"]
    # The same evaluation draws, the same weights: the same rounded predictions and RMSE.
    assert outputs[saved_on] == outputs[loaded_on]


MIRRORED = """
import sys
import binary_addition
from common import backends
assert backends.current().replicas("mirrored") == 2
sys.exit(binary_addition.main(sys.argv[1:]))
"""
SPLIT_CPU = {
    "tensorflow": "import tensorflow as tf\ncpu = tf.config.list_physical_devices('CPU')[0]\n"
                  "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n",
    "jax": "",
}
HOST_DEVICES = {"tensorflow": {}, "jax": {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}}


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_replicas_make_the_same_updates_as_one_device(tmp_path, backend):
    argv = ["--bits", "4", "--formulation", "serial", "--chain", "2", "--batch-size", "8",
            "--learning-rate", "0.01", "--epochs", "4", "--rows", "0", "--quiet"]
    results = {}
    for strategy, code in (("mirrored", SPLIT_CPU[backend] + MIRRORED), ("default", "import sys, binary_addition\n"
                                                                         "sys.exit(binary_addition.main(sys.argv[1:]))")):
        out = tmp_path / f"{strategy}.json"
        done = run_python(code, *argv, "--strategy", strategy, "--json", out, backend=backend, env=HOST_DEVICES[backend])
        assert done.returncode == 0, done.stderr[-3000:]
        results[strategy] = json.loads(out.read_text())["metrics"]
    assert results["mirrored"]["final_loss"] == pytest.approx(results["default"]["final_loss"], rel=1e-3)
    assert results["default"]["final_loss"] < 0.68, "it moved away from chance, ln 2 = 0.693"
