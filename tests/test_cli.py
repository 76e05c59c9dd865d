"""Command-line misuse: one line on stderr, exit status 2, no traceback, nothing written."""

import json

import pytest

import addition_mapping
from common.runtime import cli
from common.checks import require_int
from conftest import BACKEND, ROOT, also_on_jax, extended, run_python


def _misuse(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.run(addition_mapping.main, argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("argv, named", [
    (["--epochs", "0"], "0"),
    (["--epochs", "ten"], "'ten'"),
    (["--seed", "-3"], "-3"),
    (["--largest", "0"], "0"),
    (["--no-such-flag"], "--no-such-flag"),
    (["--json", "/no/such/dir/out.json"], "/no/such/dir"),
    (["--plot", "curves.pdf"], ".png"),
    (["--save", "model.h5"], ".keras"),
    (["--load", "missing.keras"], "missing.keras"),
    (["--batch-size", "3"], "--batch-size 3"),
])
def test_bad_flags_give_one_line_and_status_2(argv, named, capsys):
    assert named in _misuse(argv, capsys)


def test_misuse_from_common_becomes_one_line(capsys):
    def main(argv):
        require_int("largest", 0, minimum=1)

    with pytest.raises(SystemExit) as stopped:
        cli.run(main, [])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().endswith("largest must be >= 1, got 0")


def test_a_bug_is_not_reported_as_misuse():
    def main(argv):
        return int("a ValueError that no input check raised")

    with pytest.raises(ValueError, match="invalid literal"):
        cli.run(main, [])  # propagates: Python prints its traceback and exits with status 1


def test_a_file_that_is_not_a_model_is_refused_as_such(tmp_path, capsys):
    broken = tmp_path / "broken.keras"
    broken.write_text("not a model")
    err = _misuse(["--load", str(broken)], capsys)
    assert "not a Keras model file" in err and "not found" not in err.lower()


def test_help_shows_the_tutorial_defaults(capsys):
    with pytest.raises(SystemExit) as stopped:
        addition_mapping.main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert "(default: 100)" in out and "(default: 1)" in out


@extended
def test_script_misuse_from_a_terminal_prints_no_traceback(tmp_path):
    # The terminal path is the same on every backend; JAX's process starts the faster.
    result = run_python(ROOT / "addition_mapping.py", "--terms", "x", "--json", tmp_path / "out.json", backend="jax")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("addition_mapping.py: error:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


@also_on_jax
def test_shared_outputs_are_written(tmp_path, capsys):
    paths = {"json": tmp_path / "run.json", "plot": tmp_path / "curves.png",
             "save": tmp_path / "model.keras", "tensorboard": tmp_path / "tb"}
    argv = ["--epochs", "2", "--examples", "10", "--quiet"]
    for option, path in paths.items():
        argv += [f"--{option}", str(path)]
    assert addition_mapping.main(argv) == 0
    document = json.loads(paths["json"].read_text())
    assert set(document) == {"script", "backend", "config", "train_seconds", "metrics"}
    assert document["backend"] == BACKEND
    assert set(document["metrics"]) == {"rmse", "exact_match", "epochs_run", "final_loss"}
    assert document["config"]["epochs"] == 2
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    assert any(paths["tensorboard"].rglob("events.out.tfevents.*"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    out = capsys.readouterr().out
    assert "Expected=" in out and "Summary over all 10 evaluation samples" in out
    assert addition_mapping.main(["--load", str(paths["save"]), "--examples", "10", "--quiet",
                                  "--json", str(paths["json"])]) == 0
    reloaded = json.loads(paths["json"].read_text())
    assert reloaded["train_seconds"] is None


def test_the_decay_option_needs_its_advice():
    parser = cli.make_parser("x.py", "x", epochs=1)
    with pytest.raises(ValueError, match="advice"):
        cli.add_decay_option(parser, "")
    cli.add_decay_option(parser, "Measured to help long runs.")
    assert parser.parse_args(["--decay"]).decay is True and parser.parse_args([]).decay is False
