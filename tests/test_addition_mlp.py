"""addition_mlp.py: the tutorial's exact MLP, and its point that input order does not matter."""


import addition_mlp
from conftest import also_on_jax, run_script, reproduction

TUTORIAL_EXPECTED = [108, 143, 109, 16, 152, 59, 95, 113, 90, 104, 123, 92, 150, 136, 130, 76, 112,
                     129, 171, 127]


@reproduction
def test_the_default_run_prints_the_tutorials_table_and_learns_the_sums(capsys, tmp_path):
    document = run_script(addition_mlp, [], tmp_path)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("Expected=")]
    assert [int(row.split(",")[0].split("=")[1]) for row in rows] == TUTORIAL_EXPECTED
    metrics = document["metrics"]
    assert metrics["epochs_run"] == 50
    # The tutorial's RMSE 0 is met on most seeds, not all, and a seed that misses can miss by several
    # units, with reversed operands a little apart (docs/addition_mlp.md). The bound, a tenth of the
    # largest sum, held on every seed measured on both backends.
    assert metrics["rmse"] <= 20.0
    assert f"Operands in reverse order: RMSE {metrics['reversed_rmse']:f}" in out


@reproduction
def test_twice_the_epochs_get_every_sum_right_in_either_order(capsys, tmp_path):
    # Seed 5, where the defaults miss on both backends; 100 epochs got RMSE 0 on every seed measured on
    # both backends (docs/addition_mlp.md).
    document = run_script(addition_mlp, ["--quiet", "--epochs", "100", "--seed", "5"], tmp_path)
    # The tutorial's point, on a model that has learned the sum: the order of the operands does not matter.
    assert document["metrics"]["rmse"] == document["metrics"]["reversed_rmse"] == 0.0


@also_on_jax
def test_a_tiny_run_prints_the_table_and_writes_the_figures(capsys, tmp_path):
    for loop in ("fast", "plain"):
        document = run_script(addition_mlp, ["--epochs", "2", "--examples", "10", "--quiet", "--loop",
                                             loop, "--terms", "3", "--largest", "50"], tmp_path)
        out = capsys.readouterr().out
        assert len([line for line in out.splitlines() if line.startswith("Expected=")]) == 10
        assert "Summary over all 10 evaluation samples: rmse=" in out
        assert "Operands in reverse order: RMSE" in out
        assert set(document["metrics"]) == {"rmse", "exact_match", "reversed_rmse", "epochs_run", "final_loss"}
