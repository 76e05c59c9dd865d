"""Both backends: the JAX loop trains as TensorFlow's `fit` does, state carried; models move
between backends; distribution; backend refusal; a JAX run that needs no TensorFlow.

These tests run the TensorFlow side in this process and the JAX side in one subprocess, started
once for the module (starting JAX costs more than its work here), so they run once, in the
TensorFlow pass.
"""

import json

import keras
import numpy as np
import pytest

import addition_mlp
import binary_addition
from common import models, session, training
from conftest import ROOT, echo_source, once, run_python

pytestmark = once

REPLICAS = ["--bits", "4", "--formulation", "serial", "--chain", "2", "--batch-size", "8",
            "--learning-rate", "0.01", "--epochs", "4", "--rows", "0", "--quiet"]

# The JAX side, in one process with two host devices (XLA_FLAGS) for the replicas. argv: a
# directory holding `echo_init.npz` (the stateful echo model's initial weights), `tensorflow.keras`
# (addition_mlp's model saved on TensorFlow) and `x.npy` (inputs to predict); everything it makes
# is written there.
# 1. From those initial weights, train the stateful echo model with the fast loop, once with the
#    state reset per sequence (every 10 samples, 2 batches) and once with a reset before every
#    batch (the state never carried): `echo_trained.npz`.
# 2. Train and save addition_mlp's model as a user would (`jax.keras`), then load it and the
#    TensorFlow-saved one and predict x (`mlp_predictions.npz`).
# 3. binary_addition on two replicas and on one device (`mirrored.json`, `single.json`).
# Last, say whether TensorFlow was ever imported.
JAX_SIDE = """
import sys
from pathlib import Path
import keras
import numpy as np
import addition_mlp, binary_addition
from common import backends, models, session, training
from conftest import echo_source

work = Path(sys.argv[1])
trained = {}
for sequence_samples in (10, 5):
    session.seed_everything(3)
    model = models.echo_full(batch_size=5, n_in=3, width=20, units=8)
    model.set_weights(list(np.load(work / "echo_init.npz").values()))
    history = training.train(model, echo_source(7, sequences=2), 3, 5, sequence_samples, metric="categorical",
                             progress=False)
    trained.update({f"{sequence_samples}_{i}": w for i, w in enumerate(model.get_weights())})
    trained[f"{sequence_samples}_loss"] = np.array(history.loss)
np.savez(work / "echo_trained.npz", **trained)

assert addition_mlp.main(["--epochs", "2", "--quiet", "--save", str(work / "jax.keras")]) == 0
x = np.load(work / "x.npy")
np.savez(work / "mlp_predictions.npz", jax=keras.models.load_model(work / "jax.keras").predict(x, verbose=0),
         tensorflow=keras.models.load_model(work / "tensorflow.keras").predict(x, verbose=0))

replicas = sys.argv[2:]
assert backends.current().replicas("mirrored") == 2
assert binary_addition.main([*replicas, "--strategy", "mirrored", "--json", str(work / "mirrored.json")]) == 0
assert binary_addition.main([*replicas, "--strategy", "default", "--json", str(work / "single.json")]) == 0

loaded = [name for name, module in sys.modules.items() if name.split(".")[0] == "tensorflow" and module is not None]
print("tensorflow imported:", bool(loaded))
"""


def _stateful_echo_model():
    session.seed_everything(3)
    return models.echo_full(batch_size=5, n_in=3, width=20, units=8)


@pytest.fixture(scope="module")
def on_jax(tmp_path_factory):
    """The JAX side's outputs, the directory it wrote them to, and what it printed."""
    work = tmp_path_factory.mktemp("jax_side")
    np.savez(work / "echo_init.npz", *_stateful_echo_model().get_weights())
    assert addition_mlp.main(["--epochs", "2", "--quiet", "--save", str(work / "tensorflow.keras")]) == 0
    np.save(work / "x.npy", np.random.default_rng(0).uniform(0, 1, size=(50, 2)).astype("float32"))
    done = run_python(JAX_SIDE, work, *REPLICAS, backend="jax",
                      env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert done.returncode == 0, done.stderr[-3000:]
    return work, done


def test_jax_fast_loop_makes_tensorflow_fits_updates_with_the_state_carried(on_jax):
    # TensorFlow's per-sequence fit carries the LSTM state across the two batches of a sequence and
    # resets it between sequences: the tutorial's schedule, and the reference for the JAX loop.
    work, _ = on_jax
    model = _stateful_echo_model()
    model.set_weights(list(np.load(work / "echo_init.npz").values()))
    history = training.train_plain(model, echo_source(7, sequences=2), 3, 5, sequence_samples=10)
    jax = np.load(work / "echo_trained.npz")
    reference = model.get_weights()
    carried = [jax[f"10_{i}"] for i in range(len(reference))]
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(reference, carried)) < 1e-5
    np.testing.assert_allclose(jax["10_loss"], history.loss, rtol=1e-5)
    # Control: the loop that never carried the state is caught.
    not_carried = [jax[f"5_{i}"] for i in range(len(reference))]
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(reference, not_carried)) > 1e-4


def test_torch_is_refused_in_one_line_before_anything_runs(tmp_path):
    out = tmp_path / "out.json"
    done = run_python(ROOT / "addition_mlp.py", "--json", out, backend="torch")
    assert done.returncode == 2
    assert done.stderr.strip() == ("addition_mlp.py: error: KERAS_BACKEND=torch is not supported: "
                                   "use one of tensorflow, jax")
    assert done.stdout == "" and not out.exists()


def test_models_move_between_backends_and_a_jax_run_needs_no_tensorflow(on_jax):
    work, done = on_jax
    assert "tensorflow imported: False" in done.stdout
    assert "cuda" not in done.stderr, "none of TensorFlow's start-up lines"
    x = np.load(work / "x.npy")
    on_jax_predictions = np.load(work / "mlp_predictions.npz")
    for backend in ("tensorflow", "jax"):
        on_tensorflow = keras.ops.convert_to_numpy(keras.models.load_model(work / f"{backend}.keras")(x))
        np.testing.assert_allclose(on_jax_predictions[backend], on_tensorflow, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(on_jax_predictions["jax"] - on_jax_predictions["tensorflow"])) > 1e-3, \
        "two different models, told apart"


# TensorFlow splits its CPU in two logical devices before it starts, so it needs a process of its
# own; argv: the JSON output, then REPLICAS.
MIRRORED_ON_TENSORFLOW = """
import sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import binary_addition
from common import backends
assert backends.current().replicas("mirrored") == 2
assert binary_addition.main([*sys.argv[2:], "--strategy", "mirrored", "--json", sys.argv[1]]) == 0
"""


def _same_updates(mirrored, single):
    two, one = (json.loads(path.read_text())["metrics"] for path in (mirrored, single))
    assert two["final_loss"] == pytest.approx(one["final_loss"], rel=1e-3)
    assert one["final_loss"] < 0.68, "it moved away from chance, ln 2 = 0.693"


def test_two_replicas_make_the_same_updates_as_one_device_on_tensorflow(tmp_path):
    mirrored, single = tmp_path / "mirrored.json", tmp_path / "single.json"
    done = run_python(MIRRORED_ON_TENSORFLOW, mirrored, *REPLICAS, backend="tensorflow")
    assert done.returncode == 0, done.stderr[-3000:]
    assert binary_addition.main([*REPLICAS, "--json", str(single)]) == 0  # this process: one device
    _same_updates(mirrored, single)


def test_two_replicas_make_the_same_updates_as_one_device_on_jax(on_jax):
    work, _ = on_jax
    _same_updates(work / "mirrored.json", work / "single.json")
