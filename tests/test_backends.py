"""Every backend: the JAX and PyTorch loops train as TensorFlow's `fit` does, state carried;
models, stateful ones included, move between backends; distribution; backend refusal; a JAX or PyTorch run that needs no
TensorFlow; a run that imports none of the libraries of Keras's optional integrations.

These tests run the TensorFlow side in this process and start the other backends in
subprocesses, so they are not marked `also_on_jax`: the TensorFlow pass runs them, once. Those
that need PyTorch are skipped where it is not installed.
"""

import json
import warnings

import keras
import numpy as np
import pytest

import addition_mlp
import binary_addition
import echo_full
from common import models, training
from common.runtime import startup
from common.runtime.run import seed_everything
from conftest import ROOT, echo_source, extended, needs_torch, run_python, run_script



OTHER_BACKENDS = [pytest.param("jax"), pytest.param("torch", marks=needs_torch)]

# On JAX or PyTorch: from the initial weights in argv[1], train the same stateful echo model with the fast
# loop, once with the state reset per sequence (every 10 samples, 2 batches) and once with a reset
# before every batch (the state never carried); save both models' weights to argv[2].
TRAIN_ECHO = """
import sys
from common.runtime.startup import prepare_backend
prepare_backend()
import numpy as np
from common import models, training
from common.runtime.run import seed_everything
from conftest import echo_source
trained = {}
for reset_after in (10, 5):
    seed_everything(3)
    model = models.echo_full(batch_size=5, n_in=3, width=20, units=8)
    model.set_weights(list(np.load(sys.argv[1]).values()))
    history = training.train(model, echo_source(7, sequences=2), 3, 5, reset_after, metric="categorical",
                             progress=False)
    trained.update({f"{reset_after}_{i}": w for i, w in enumerate(model.get_weights())})
    trained[f"{reset_after}_loss"] = np.array(history.loss)
np.savez(sys.argv[2], **trained)
"""


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_fast_loop_makes_tensorflow_fits_updates_with_the_state_carried(tmp_path, backend):
    # TensorFlow's per-sequence fit carries the LSTM state across the two batches of a sequence and
    # resets it between sequences: the tutorial's schedule, and the reference for the other loops.
    seed_everything(3)
    model = models.echo_full(batch_size=5, n_in=3, width=20, units=8)
    np.savez(tmp_path / "init.npz", *model.get_weights())
    history = training.tutorial_loop(model, echo_source(7, sequences=2), 3, 5, reset_after=10)
    done = run_python(TRAIN_ECHO, tmp_path / "init.npz", tmp_path / "trained.npz", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    trained = np.load(tmp_path / "trained.npz")
    reference = model.get_weights()
    carried = [trained[f"10_{i}"] for i in range(len(reference))]
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(reference, carried)) < 1e-5
    np.testing.assert_allclose(trained["10_loss"], history.loss, rtol=1e-5)
    # Control: the loop that never carried the state is caught.
    not_carried = [trained[f"5_{i}"] for i in range(len(reference))]
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(reference, not_carried)) > 1e-4


def test_unsupported_backends_are_refused_in_one_line_before_anything_runs(tmp_path):
    out = tmp_path / "out.json"
    done = run_python(ROOT / "addition_mlp.py", "--json", out, backend="numpy")
    assert done.returncode == 2
    assert done.stderr.strip() == ("addition_mlp.py: error: KERAS_BACKEND=numpy is not supported: "
                                   "use one of tensorflow, jax, torch")
    assert done.stdout == "" and not out.exists()


# A script run as from the terminal, where PyTorch cannot be found.
WITHOUT_TORCH = """
import runpy, sys
sys.modules["torch"] = None  # as if it were not installed
sys.argv = ["addition_mlp.py", "--json", sys.argv[1]]
runpy.run_path("addition_mlp.py", run_name="__main__")
"""


def test_torch_not_installed_is_refused_in_one_line_saying_how_to_install_it(tmp_path):
    out = tmp_path / "out.json"
    done = run_python(WITHOUT_TORCH, out, backend="torch")
    assert done.returncode == 2
    assert done.stderr.strip() == ("addition_mlp.py: error: KERAS_BACKEND=torch needs PyTorch, which is not "
                                   f"installed: {startup.TORCH_INSTALL}")
    assert done.stdout == "" and not out.exists()
    assert startup.TORCH_INSTALL in (ROOT / "README.md").read_text(), "the README gives the same line"


# A run as a user starts it (argv[1]: its --plot path, or none); then which of argv[2:] it imported.
IMPORTED_BY_A_RUN = """
import sys
import addition_mlp
plot = ["--plot", sys.argv[1]] if sys.argv[1] != "none" else []
assert addition_mlp.main(["--epochs", "2", "--quiet", *plot]) == 0
print(sorted({name.split(".")[0] for name, module in sys.modules.items() if module is not None} & set(sys.argv[2:])))
"""


@pytest.mark.parametrize("backend", [pytest.param("tensorflow"), *OTHER_BACKENDS])
def test_a_run_imports_none_of_the_libraries_of_kerass_optional_integrations(backend, tmp_path):
    done = run_python(IMPORTED_BY_A_RUN, "none", *startup.KERAS_EXTRAS, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    picture = tmp_path / "curves.png"
    done = run_python(IMPORTED_BY_A_RUN, picture, *startup.KERAS_EXTRAS, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "['matplotlib']", "imported where the suite draws"
    assert picture.read_bytes().startswith(b"\x89PNG")


# On JAX or PyTorch: train and save addition_mlp's model as a user would (argv[1]), then load it
# and the TensorFlow-saved model (argv[2]) and predict argv[3]; say which other backends' libraries
# were ever imported.
MLP_ELSEWHERE = """
import sys
import numpy as np
import addition_mlp
import keras
assert addition_mlp.main(["--epochs", "2", "--quiet", "--save", sys.argv[1]]) == 0
x = np.load(sys.argv[3])
np.savez(sys.argv[4], here=keras.models.load_model(sys.argv[1]).predict(x, verbose=0),
         tensorflow=keras.models.load_model(sys.argv[2]).predict(x, verbose=0))
print("imported:", sorted({name.split(".")[0] for name, module in sys.modules.items() if module is not None}
                          & {"tensorflow", "jax", "torch"} - {keras.backend.backend()}))
"""


# Keras's own load_model, used here to compare predictions, warns about the JAX model's jit_compile;
# the script's --load does not (checked at the end).
@pytest.mark.filterwarnings("ignore:Model doesn't support `jit_compile=True`:UserWarning")
@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_models_move_between_backends_and_a_run_elsewhere_needs_no_tensorflow(tmp_path, backend):
    saved = {name: tmp_path / f"{name}.keras" for name in ("tensorflow", backend)}
    assert addition_mlp.main(["--epochs", "2", "--quiet", "--save", str(saved["tensorflow"])]) == 0
    x = np.random.default_rng(0).uniform(0, 1, size=(50, 2)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    done = run_python(MLP_ELSEWHERE, saved[backend], saved["tensorflow"], tmp_path / "x.npy",
                      tmp_path / "elsewhere.npz", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "imported: []" in done.stdout, "neither TensorFlow nor the third backend"
    assert done.stderr == "", "none of TensorFlow's start-up lines, nothing of PyTorch's"
    elsewhere = np.load(tmp_path / "elsewhere.npz")
    for name, path in saved.items():
        on_tensorflow = keras.ops.convert_to_numpy(keras.models.load_model(path)(x))
        np.testing.assert_allclose(elsewhere["here" if name == backend else name], on_tensorflow,
                                   rtol=1e-5, atol=1e-6)
    with warnings.catch_warnings(record=True) as caught:  # the script's --load, as a user runs it
        warnings.simplefilter("always")
        assert addition_mlp.main(["--load", str(saved[backend]), "--quiet"]) == 0
    assert not [str(warning.message) for warning in caught if "jit_compile" in str(warning.message)]
    assert np.max(np.abs(elsewhere["here"] - elsewhere["tensorflow"])) > 1e-3, "two different models, told apart"


# On JAX or PyTorch: evaluate the TensorFlow-saved stateful echo model (argv[1]) with the script's
# --load, its figures to argv[2]; train and save this backend's own (argv[3]); then each loaded model's
# outputs for two calls in turn on the batch in argv[4], the state carried from the first to the
# second, to argv[5].
ECHO_ELSEWHERE = """
import sys
import numpy as np
import echo_full, keras
assert echo_full.main(["--load", sys.argv[1], "--eval-sequences", "3", "--quiet", "--json", sys.argv[2]]) == 0
assert echo_full.main(["--epochs", "20", "--quiet", "--save", sys.argv[3]]) == 0
x = np.load(sys.argv[4])
outputs = {}
for name, path in (("here", sys.argv[3]), ("tensorflow", sys.argv[1])):
    model = keras.models.load_model(path)
    outputs[name] = np.stack([keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2)])
np.savez(sys.argv[5], **outputs)
"""


@pytest.mark.filterwarnings("ignore:Model doesn't support `jit_compile=True`:UserWarning")  # as above
@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_a_stateful_model_moves_between_backends_its_state_carried_alike(tmp_path, backend):
    saved = {name: tmp_path / f"{name}.keras" for name in ("tensorflow", backend)}
    assert echo_full.main(["--epochs", "20", "--quiet", "--save", str(saved["tensorflow"])]) == 0
    x = np.eye(100, dtype="float32")[np.random.default_rng(0).integers(0, 100, size=(echo_full.BATCH_SIZE, 5))]
    np.save(tmp_path / "x.npy", x)
    done = run_python(ECHO_ELSEWHERE, saved["tensorflow"], tmp_path / "elsewhere.json", saved[backend],
                      tmp_path / "x.npy", tmp_path / "outputs.npz", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    on_tensorflow = run_script(echo_full, ["--load", saved["tensorflow"], "--eval-sequences", "3", "--quiet"],
                               tmp_path, "here")
    assert json.loads((tmp_path / "elsewhere.json").read_text())["metrics"] == on_tensorflow["metrics"]
    outputs = np.load(tmp_path / "outputs.npz")
    for name, path in saved.items():
        model = keras.models.load_model(path)
        assert any(getattr(layer, "stateful", False) for layer in model.layers)
        expected = np.stack([keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2)])
        assert np.max(np.abs(expected[1] - expected[0])) > 1e-4, "the second call starts from the first's state"
        np.testing.assert_allclose(outputs["here" if name == backend else name], expected, rtol=1e-5, atol=1e-6)


# No recurrent dropout (the serial default's): with it, two TensorFlow replicas' updates differ from one device's.
REPLICAS = ["--bits", "4", "--formulation", "serial", "--chain", "2", "--batch-size", "8",
            "--learning-rate", "0.01", "--epochs", "4", "--rows", "0", "--recurrent-dropout", "0", "--quiet"]
# argv: the two JSON outputs, then REPLICAS. TensorFlow splits its CPU in two logical devices
# before it starts; JAX makes two host devices from XLA_FLAGS.
MIRRORED_ON = {
    "tensorflow": """
import sys, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import binary_addition
from common import backends
assert backends.current().replicas("mirrored") == 2
assert binary_addition.main([*sys.argv[3:], "--strategy", "mirrored", "--json", sys.argv[1]]) == 0
""",
    "jax": """
import sys, binary_addition
from common import backends
assert backends.current().replicas("mirrored") == 2
assert binary_addition.main([*sys.argv[3:], "--strategy", "mirrored", "--json", sys.argv[1]]) == 0
assert binary_addition.main([*sys.argv[3:], "--strategy", "default", "--json", sys.argv[2]]) == 0
""",
}


@extended
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_replicas_make_the_same_updates_as_one_device(tmp_path, backend):
    mirrored, single = tmp_path / "mirrored.json", tmp_path / "single.json"
    done = run_python(MIRRORED_ON[backend], mirrored, single, *REPLICAS, backend=backend,
                      env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"} if backend == "jax" else None)
    assert done.returncode == 0, done.stderr[-3000:]
    if backend == "tensorflow":  # this process is TensorFlow on one device
        assert binary_addition.main([*REPLICAS, "--json", str(single)]) == 0
    two, one = (json.loads(path.read_text())["metrics"] for path in (mirrored, single))
    assert two["final_loss"] == pytest.approx(one["final_loss"], rel=1e-3)
    assert one["final_loss"] < 0.68, "it moved away from chance, ln 2 = 0.693"


@needs_torch
def test_torch_refuses_mirrored_in_one_line(tmp_path):
    out = tmp_path / "out.json"
    done = run_python(ROOT / "binary_addition.py", *REPLICAS, "--strategy", "mirrored", "--json", out,
                      backend="torch")
    assert done.returncode == 2, done.stderr[-3000:]
    assert done.stderr.strip() == ("binary_addition.py: error: --strategy mirrored is not available on torch: "
                                   "Keras distributes training only on TensorFlow and JAX "
                                   "(use KERAS_BACKEND=tensorflow or jax)")
    assert not out.exists()


def test_jax_keeps_its_compiled_programs_for_the_next_run_which_computes_the_same(tmp_path):
    def run(name, cache_home, **env):
        done = run_python(ROOT / "echo_full.py", "--epochs", "20", "--eval-sequences", "5", "--quiet",
                          "--json", tmp_path / f"{name}.json", backend="jax",
                          env={"XDG_CACHE_HOME": str(tmp_path / cache_home), "JAX_COMPILATION_CACHE_DIR": "", **env})
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads((tmp_path / f"{name}.json").read_text())["metrics"], done.stderr

    folder = tmp_path / "cache" / "keras-lstm-tutorials" / "jax"
    cold, cold_log = run("cold", "cache")
    entries = sorted(path.name for path in folder.iterdir())
    assert any(name.startswith("jit__train_scan") for name in entries), entries
    warm, warm_log = run("warm", "cache", JAX_LOG_COMPILES="1")
    assert "Persistent compilation cache hit for 'jit__train_scan'" in warm_log
    assert sorted(path.name for path in folder.iterdir()) == entries, "the warm run compiled nothing new"
    off, off_log = run("off", "cache-off", JAX_ENABLE_COMPILATION_CACHE="false")
    assert not (tmp_path / "cache-off" / "keras-lstm-tutorials").exists()
    assert cold_log == off_log == ""
    assert cold == warm == off  # final_loss included
