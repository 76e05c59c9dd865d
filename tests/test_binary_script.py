"""binary_addition.py end to end, at small widths: it learns, it generalises, it refuses misuse."""

import importlib.util
import shutil

import keras
import numpy as np
import pytest

import binary_addition
from common import binary
from conftest import also_on_jax, refused, reproduction, run_script


@reproduction
def test_tutorial_formulation_reproduces_at_4_bits_with_margin(tmp_path, capsys):
    metrics = run_script(binary_addition, ["--bits", "4", "--units", "64", "--batch-size", "8",
                                           "--learning-rate", "0.01", "--epochs", "200", "--until-exact",
                                           "--rows", "5", "--quiet"], tmp_path)["metrics"]
    assert metrics["exact_match_all"] == 1.0
    assert metrics["exact_epoch"] is not None and metrics["exact_epoch"] <= 100, "half the budget"
    printed = capsys.readouterr().out
    assert printed.count("=" * 30) == 5
    assert "exact_match_all=1.000000" in printed


@reproduction
def test_serial_formulation_learns_4_bits_and_adds_unseen_16_bit_numbers(tmp_path):
    # Without recurrent dropout, which is tuned for the default LSTM(16) on 8-bit pairs, not for this
    # smaller model. Most seeds get every 4-bit pair right within the budget, not all; how many 16-bit
    # sums come out right varies from seed to seed. These bounds held on every seed measured on both
    # backends (docs/binary_addition.md).
    metrics = run_script(binary_addition, ["--bits", "4", "--formulation", "serial", "--units", "8",
                                           "--chain", "4", "--batch-size", "8", "--learning-rate",
                                           "0.01", "--epochs", "150", "--until-exact", "--test-bits",
                                           "16", "--test-pairs", "2000", "--rows", "0", "--recurrent-dropout",
                                           "0", "--quiet"], tmp_path)["metrics"]
    assert metrics["exact_match_all"] >= 0.95
    assert metrics["test_bits"] == 16
    assert metrics["test_exact_match"] >= 0.5, "most sums of numbers 4 times as long as any trained on"


def test_tutorial_model_cannot_take_other_widths(tmp_path, capsys):
    assert "--test-bits needs --formulation serial" in refused(binary_addition, ["--bits", "4", "--test-bits", "6"],
                                                               tmp_path, capsys)


@also_on_jax
def test_save_load_and_predict_give_the_same_outputs(tmp_path):
    path = tmp_path / "adder.keras"
    trained = run_script(binary_addition, ["--bits", "3", "--formulation", "serial", "--epochs", "3",
                                           "--batch-size", "2", "--learning-rate", "0.01", "--save",
                                           str(path), "--rows", "8", "--quiet"], tmp_path)["metrics"]
    x, y = binary.serial_arrays(*binary.all_operand_pairs(3), 3)
    model = keras.models.load_model(path)
    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    assert lstm.recurrent_dropout == binary_addition.SERIAL_RECURRENT_DROPOUT > 0, \
        "the serial default: the carry under noise"
    assert binary.exact_rows(model, x, y).mean() == trained["exact_match_all"]
    assert np.array_equal(model.predict(x, verbose=0), keras.models.load_model(path).predict(x, verbose=0))
    loaded = run_script(binary_addition, ["--bits", "3", "--formulation", "serial", "--load", str(path),
                                          "--rows", "8", "--quiet"], tmp_path)["metrics"]
    assert loaded["exact_match_all"] == trained["exact_match_all"]
    assert loaded["exact_match"] == trained["exact_match"], "the same rows, predicted the same"
    with pytest.raises(ValueError, match="pass the flags it was trained with"):  # another formulation's shapes
        binary_addition.main(["--bits", "3", "--load", str(path), "--quiet"])


@pytest.mark.parametrize("value, message", [("0", "must be >= 1"), ("13", "must be 1..12"),
                                            ("eight", "not an integer")])
def test_bad_bits_get_one_clear_line_and_status_2(value, message, tmp_path, capsys):
    line = refused(binary_addition, ["--bits", value], tmp_path, capsys)
    assert message in line and "--bits" in line


@also_on_jax
def test_same_seed_same_numbers(tmp_path):
    argv = ["--bits", "3", "--formulation", "serial", "--epochs", "2", "--batch-size", "8"]
    first, second = (run_script(binary_addition, [*argv, "--quiet"], tmp_path)["metrics"] for _ in range(2))
    assert first["exact_match_all"] == second["exact_match_all"]
    assert first["exact_match"] == second["exact_match"]


def test_twelve_bits_train_on_a_sampled_stream(tmp_path):
    metrics = run_script(binary_addition, ["--bits", "12", "--formulation", "serial", "--epochs", "1",
                                           "--pairs-per-epoch", "4096", "--eval-pairs", "1000", "--rows",
                                           "3", "--quiet"], tmp_path)["metrics"]
    assert "exact_match_sampled" in metrics and "exact_match_all" not in metrics
    assert metrics["peak_memory_mib"] > 0


def test_the_width_search_doubles_past_a_failure_then_bisects():
    measured = []

    def exact_at(width):  # all right up to 157 bits, then fewer and fewer, none from 2048
        measured.append(width)
        return 1.0 if width <= 157 else max(0.0, 1 - width / 2048)

    good, bad, rates = binary.exact_by_width(exact_at, 8)
    assert (good, bad) == (157, 158)
    assert [8, 16, 32, 64, 128, 256, 512, 1024, 2048] == measured[:9], "doubling on past 157, to none right"
    assert set(rates) == set(measured) and list(rates) == sorted(rates)
    assert binary.exact_by_width(lambda width: 1.0, 8)[:2] == (4096, None)
    assert binary.exact_by_width(lambda width: 0.5, 8) == (None, 8, {8: 0.5, 16: 0.5, 32: 0.5, 64: 0.5,
                                                                               128: 0.5, 256: 0.5, 512: 0.5,
                                                                               1024: 0.5, 2048: 0.5, 4096: 0.5})


def test_find_limit_reports_the_rate_at_each_width_and_draws_it_and_the_diagram(tmp_path, capsys):
    picture, diagram = tmp_path / "widths.png", tmp_path / "model.png"
    metrics = run_script(binary_addition, ["--bits", "2", "--formulation", "serial", "--epochs", "1", "--rows", "0",
                                           "--find-limit", "--test-pairs", "50", "--plot-widths", picture,
                                           "--diagram", diagram, "--quiet"], tmp_path)["metrics"]
    rates = {int(width): rate for width, rate in metrics["exact_match_by_bits"].items()}
    assert min(rates) == 2 and 4 in rates
    assert metrics["first_wrong_bits"] in rates and rates[metrics["first_wrong_bits"]] < 1.0
    assert picture.read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    if importlib.util.find_spec("pydot") and shutil.which("dot"):  # the diagram is drawn or one line says why not
        assert diagram.is_file()
    else:
        assert not diagram.exists() and sum("No model diagram" in line for line in printed.splitlines()) == 1


def test_recurrent_dropout_belongs_to_the_serial_formulation(tmp_path, capsys):
    assert "--recurrent-dropout needs --formulation serial" in refused(
        binary_addition, ["--recurrent-dropout", "0.1"], tmp_path, capsys)
    assert "--recurrent-dropout" in refused(
        binary_addition, ["--formulation", "serial", "--recurrent-dropout", "1"], tmp_path, capsys)


def test_plot_widths_needs_the_search(tmp_path, capsys):
    assert "--plot-widths needs --find-limit" in refused(
        binary_addition, ["--formulation", "serial", "--plot-widths", tmp_path / "w.png"], tmp_path, capsys)
