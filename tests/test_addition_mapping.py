"""addition_mapping.py: the tutorial's LSTM mapping, its data stream and its RMSE."""


import pytest

import addition_mapping
from conftest import also_on_jax, reproduction, run_script

TUTORIAL_EXPECTED = [110, 122, 104, 103, 163, 100, 56, 61, 109, 129, 98, 60, 66, 63, 84, 148, 96,
                     33, 75, 64]
TUTORIAL_RMSE = 0.565685


@reproduction
def test_the_default_run_prints_the_tutorials_table_and_learns_the_sums(capsys, tmp_path):
    document = run_script(addition_mapping, ["--quiet"], tmp_path)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("Expected=")]
    assert [int(row.split(",")[0].split("=")[1]) for row in rows] == TUTORIAL_EXPECTED
    # The tutorial's RMSE is met on most seeds, not all (docs/addition_mapping.md): this bound, within
    # about two of the true sums, held on every seed measured on both backends.
    assert document["metrics"]["rmse"] <= 2.0
    # How training went, then what the tutorial prints: the RMSE, then its rows.
    lines = out.splitlines()
    assert lines[0].startswith("Trained 100 epochs in ") and lines[1].startswith("RMSE: ")


@reproduction
def test_three_times_the_epochs_with_decay_meet_the_tutorials_rmse(capsys, tmp_path):
    # Seed 2, where the defaults miss the tutorial's RMSE on both backends; the fix met it on every
    # seed measured on both backends (docs/addition_mapping.md).
    document = run_script(addition_mapping, ["--quiet", "--epochs", "300", "--decay", "--seed", "2"], tmp_path)
    assert document["metrics"]["rmse"] <= TUTORIAL_RMSE
    assert document["config"]["decay"] is True


@pytest.mark.parametrize("flags", [pytest.param(["--loop", "plain", "--terms", "3", "--largest", "20"], marks=also_on_jax),
                                   ["--two-layer"]],
                         ids=["one-layer", "two-layer"])
def test_a_tiny_run_of_each_model_prints_the_table_and_writes_the_figures(flags, capsys, tmp_path):
    document = run_script(addition_mapping, ["--epochs", "2", "--examples", "10", "--quiet", *flags], tmp_path)
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if line.startswith("Expected=")]) == 10
    assert set(document["metrics"]) == {"rmse", "exact_match", "epochs_run", "final_loss"}
