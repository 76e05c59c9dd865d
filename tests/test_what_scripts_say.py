"""What a learner reads in a script, its comments and its `--help` is what the run does."""

import importlib
import re

import pytest

import binary_addition
import echo_full
import echo_partial
from common import echo, training
from common.runtime import cli
from common.runtime.options import binary_addition as binary_options
from common.runtime.options import echo as echo_options
from common.runtime.run import Run
from conftest import ROOT

SCRIPTS = ("addition_mapping", "addition_mlp", "addition_seq2seq", "echo_full", "echo_partial", "memory_demo",
           "binary_addition")
STATELESS = ("addition_mapping", "addition_mlp", "addition_seq2seq")


def _help(name, capsys):
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(name).main(["--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def _options(text):
    """Each option's entry in `--help`, its wrapped lines joined."""
    entries = []
    for line in text.splitlines():
        if re.match(r"\s{2}-", line):
            entries.append(line.strip())
        elif entries and line.startswith(" " * 10):
            entries[-1] += " " + line.strip()
    return entries


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_shows_each_default_once_and_none_for_switches(name, capsys):
    entries = _options(_help(name, capsys))
    assert len(entries) > 10
    for entry in entries:
        for unset in ("(default: None)", "(default: False)", "(default: [])", "None:"):
            assert unset not in entry, entry
        assert entry.count("(default") <= 1, entry
    assert any(entry.startswith("--epochs") and "(default: " in entry for entry in entries)


@pytest.mark.parametrize("name", STATELESS)
def test_the_stateless_scripts_say_which_updates_match_the_tutorials_fit(name):
    """Their fit shuffles each epoch, the loop does not: equal are the number and size of updates
    (tests/test_training.py checks the weights against `tutorial_loop`, the unshuffled fit)."""
    text = (ROOT / f"{name}.py").read_text()
    assert "exactly those of its one model.fit" not in text
    assert "the same number and size of updates" in text and "fit's shuffled order" in text


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_scripts_say_that_finish_writes_the_outputs(name):
    lines = (ROOT / f"{name}.py").read_text().splitlines()
    for number, line in enumerate(lines):
        if "with Run(" in line:
            around = " ".join(lines[max(0, number - 2):number + 1])
            assert "writes --json" not in around and "at the end" not in around, line
    assert any("run.finish(" in line and "writes" in line for line in lines)


def test_leaving_the_run_writes_nothing(tmp_path):
    parser = cli.make_parser("a.py", "d", epochs=1)
    args = cli.parse_args(parser, ["--json", str(tmp_path / "out.json")])
    with Run("a.py", args):
        pass
    assert list(tmp_path.iterdir()) == []


def test_echo_partial_states_the_batch_size_its_run_uses():
    args = echo_options.parse("echo_partial.py", "d", [], "partial", echo_partial.EPOCHS, echo_partial.UNITS,
                              echo_partial.BATCH_SIZE)
    assert args.batch_size == 21
    assert echo.EchoTask(args.length, args.values, args.n_in, args.n_out).samples_per_sequence == 21
    stateless = echo_options.parse("echo_partial.py", "d", ["--stateless"], "partial", echo_partial.EPOCHS,
                                   echo_partial.UNITS, echo_partial.BATCH_SIZE)
    assert stateless.batch_size == 1
    longer = echo_options.parse("echo_partial.py", "d", ["--length", "30"], "partial", echo_partial.EPOCHS,
                                echo_partial.UNITS, echo_partial.BATCH_SIZE)
    assert longer.batch_size == 26, "a whole sequence, whatever its number of windows"
    fixed = echo_options.parse("echo_partial.py", "d", [], "partial", echo_partial.EPOCHS, echo_partial.UNITS, 3)
    assert fixed.batch_size == 3, "the script's constant drives the run"


def test_echo_partial_resets_before_every_batch_at_the_defaults():
    """A batch is a whole sequence: the stateful LSTMs never carry state between batches."""
    windows = echo.EchoTask(25, 100, 5, 2).samples_per_sequence
    batch_size = echo_options.parse("echo_partial.py", "d", [], "partial", echo_partial.EPOCHS, echo_partial.UNITS,
                                    echo_partial.BATCH_SIZE).batch_size
    assert training.state_kept(5 * windows, batch_size, windows).tolist() == [0.0] * 5
    assert training.state_kept(2 * windows, echo_full.BATCH_SIZE, windows).tolist() == [0, 1, 1] * 2, \
        "the control: echo_full's three batches per sequence carry it"


def _binary(argv):
    return binary_options.parse("binary_addition.py", "d", argv, binary_addition.EPOCHS, binary_addition.BITS,
                                binary_addition.UNITS, binary_addition.SERIAL_UNITS, binary_addition.BATCH_SIZE,
                                binary_addition.SERIAL_BATCH_SIZE, binary_addition.CHAIN, binary_addition.DROPOUT,
                                binary_addition.SERIAL_RECURRENT_DROPOUT, binary_addition.ROWS)


def test_binary_addition_resolves_its_settings_as_the_script_says():
    tutorial, serial = _binary([]), _binary(["--formulation", "serial"])
    assert (tutorial.units, tutorial.batch_size, tutorial.chain) == (binary_addition.UNITS,
                                                                     binary_addition.BATCH_SIZE, 1)
    assert (serial.units, serial.batch_size, serial.chain, serial.recurrent_dropout) == (
        binary_addition.SERIAL_UNITS, binary_addition.SERIAL_BATCH_SIZE, binary_addition.CHAIN,
        binary_addition.SERIAL_RECURRENT_DROPOUT)


@pytest.mark.parametrize("name", SCRIPTS)
def test_no_setting_in_a_script_is_left_for_the_options_to_fill_in(name):
    script = importlib.import_module(name)
    settings = {key: value for key, value in vars(script).items() if re.fullmatch(r"[A-Z][A-Z_]+", key)}
    assert settings and all(value is not None for value in settings.values()), settings


@pytest.mark.parametrize("name, argv, settings", [
    ("echo_partial", [], ["batch_size: 21", "epochs: 5000", "units: 150"]),
    ("binary_addition", ["--formulation", "serial"], ["units: 16", "batch_size: 32", "chain: 8",
                                                      "recurrent_dropout: 0.1"]),
    ("memory_demo", [], ["alphabet: 5", "batch_size: 1"]),
])
def test_dry_run_prints_the_resolved_settings_and_the_memory_then_stops(name, argv, settings, tmp_path, capsys):
    outputs = ["--json", tmp_path / "run.json", "--plot", tmp_path / "run.png", "--save", tmp_path / "m.keras"]
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(name).main([*argv, "--dry-run", *map(str, outputs)])
    assert stopped.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    for setting in settings:
        assert f"  {setting}" in lines, lines
    assert re.fullmatch(r"memory: about [\d.]+ \w+ needed, checked against the [\d.]+ \w+ available", lines[-1])
    assert not any("Trained" in line or "Summary" in line for line in lines)
    assert list(tmp_path.iterdir()) == []
