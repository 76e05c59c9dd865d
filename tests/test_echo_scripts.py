"""echo_full.py and echo_partial.py: the tutorials reproduced at their defaults, every flag, misuse."""


import keras
import numpy as np
import pytest

import echo_full
import echo_partial
from conftest import BACKEND, also_on_jax, extended, refused, run_script, reproduction


@reproduction
def test_echo_full_reproduces_the_tutorial_at_its_defaults(tmp_path, capsys):
    result = run_script(echo_full, ["--quiet"], tmp_path)
    rows = capsys.readouterr().out.splitlines()
    assert result["config"]["epochs"] == 500 and result["config"]["batch_size"] == 7
    # The tutorial's table: the 21 windows of one fresh sequence.
    assert len([row for row in rows if row.startswith("Expected:")]) == 21
    # Over 100 fresh sequences (2100 windows): most seeds get every window right, some fall short
    # of 99% (docs/echo_full.md); these bounds held on every seed measured on both backends.
    assert result["metrics"]["exact_match"] >= 0.9
    assert result["metrics"]["accuracy"] >= 0.97


@reproduction
def test_twice_the_epochs_reach_the_99_percent_target(tmp_path):
    # 1000 epochs got every window right on every seed measured on both backends (docs/echo_full.md).
    assert run_script(echo_full, ["--epochs", "1000", "--quiet"], tmp_path)["metrics"]["exact_match"] >= 0.99


@reproduction
def test_echo_partial_reproduces_the_tutorial_at_its_defaults(tmp_path):
    result = run_script(echo_partial, ["--quiet"], tmp_path)
    assert result["config"]["epochs"] == 5000 and result["config"]["batch_size"] == 21
    # The tutorial: 20 of 21 windows right; over 2100 windows at least that held on every seed measured
    # on both backends (docs/echo_partial.md).
    assert result["metrics"]["exact_match"] >= 20 / 21


@extended
def test_plain_loop_reaches_the_same_model_and_figures(tmp_path):
    """Through echo_full, whose --loop reaches training.train as echo_partial's does; the two loops
    themselves are compared in tests/test_training.py."""
    script = echo_full
    figures = []
    for loop in ("fast", "plain"):
        model_path = tmp_path / f"{loop}.keras"
        result = run_script(script, ["--epochs", "6", "--eval-sequences", "1", "--loop", loop, "--save",
                                     str(model_path), "--quiet"], tmp_path, name=loop)
        figures.append((result["metrics"], keras.models.load_model(model_path).get_weights()))
    assert figures[0][0] == figures[1][0]
    for fast, plain in zip(figures[0][1], figures[1][1]):
        np.testing.assert_allclose(fast, plain, atol=1e-5)


@also_on_jax
def test_same_seed_same_numbers(tmp_path):
    weights = []
    for run in range(2):
        path = tmp_path / f"run{run}.keras"
        run_script(echo_full, ["--epochs", "5", "--eval-sequences", "2", "--save", str(path), "--quiet"], tmp_path)
        weights.append(keras.models.load_model(path).get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("script, argv, samples", [
    (echo_full, ["--mask", "--batch-size", "5"], 25),
    pytest.param(echo_full, ["--encoding", "linear", "--stateless"], 21, marks=extended),
    pytest.param(echo_full, ["--length", "12", "--n-in", "3", "--values", "10", "--batch-size", "5", "--units", "8"],
                 10, marks=extended),
    pytest.param(echo_partial, ["--mask", "--encoding", "linear", "--units", "16"], 25, marks=also_on_jax),
    pytest.param(echo_partial, ["--n-in", "6", "--n-out", "3", "--stateless", "--batch-size", "5", "--units", "16"],
                 20, marks=extended),
])
def test_every_option_runs_and_reports(script, argv, samples, tmp_path, capsys):
    result = run_script(script, ["--epochs", "3", "--eval-sequences", "2", *argv, "--quiet"], tmp_path)
    out = capsys.readouterr().out
    assert f"Summary over all {2 * samples} evaluation samples" in out
    assert 0 <= result["metrics"]["exact_match"] <= result["metrics"]["accuracy"] <= 1


@extended
def test_linear_echo_learns_a_small_range(tmp_path):
    result = run_script(echo_full, ["--encoding", "linear", "--values", "10", "--epochs", "300",
                                    "--quiet"], tmp_path)
    assert result["metrics"]["accuracy"] >= 0.9


@pytest.mark.parametrize("script, argv, named", [
    (echo_partial, ["--n-out", "6"], "n_out=6"),
    (echo_full, ["--batch-size", "4"], "batch size 4"),
    (echo_full, ["--mask"], "allowed: 1, 5, 25"),
    (echo_full, ["--values", "1"], "n_values"),
    (echo_full, ["--length", "3"], "length=3"),
    (echo_full, ["--encoding", "binary"], "binary"),
])
def test_misuse_gives_one_line_and_status_2(script, argv, named, tmp_path, capsys):
    assert named in refused(script, argv, tmp_path, capsys)


@also_on_jax
@pytest.mark.skipif(BACKEND == "tensorflow", reason="TensorFlow's fit carries the state: the plain loop is there")
def test_plain_loop_on_jax_and_torch_refuses_stateful_models_in_one_line(tmp_path, capsys):
    assert "--loop plain" in refused(echo_full, ["--epochs", "1", "--loop", "plain", "--quiet"], tmp_path, capsys)
