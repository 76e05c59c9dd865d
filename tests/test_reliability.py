"""No input crashes a script, no run leaves a half result, and a run that cannot fit is refused.

Misuse ends with one line and status 2, SIGINT and SIGTERM with 130 and 143, and in every one of
those cases no output file is left behind. Most checks run the scripts in-process (fast); one
kills a real process from outside.
"""

import contextlib
import functools
import gc
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import tracemalloc
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import addition_mapping
import addition_mlp
import addition_seq2seq
import binary_addition
import echo_full
import echo_partial
import memory_demo
from common import memory, models, training
from common.runtime import cli, interrupts, outputs, resources
from common.runtime.options import memory_demo as memory_options
from conftest import BACKEND, ROOT, also_on_jax, extended

pytestmark = also_on_jax
"""Every guarantee here is checked on each backend: the misuse, kill and fuzz paths are backend-neutral
code, but what a backend does on a signal, or when it starts, is not."""

SCRIPTS = [addition_mapping, addition_mlp, addition_seq2seq, echo_full, echo_partial, memory_demo,
           binary_addition]
TINY = {
    addition_mapping: ["--epochs", "1", "--examples", "4"],
    addition_mlp: ["--epochs", "1", "--examples", "4"],
    addition_seq2seq: ["--epochs", "1", "--examples", "4", "--batch-size", "2"],
    echo_full: ["--epochs", "1", "--eval-sequences", "1", "--length", "7", "--batch-size", "1"],
    echo_partial: ["--epochs", "1", "--eval-sequences", "1", "--length", "7", "--batch-size", "1"],
    memory_demo: ["--epochs", "1"],
    binary_addition: ["--epochs", "1", "--bits", "2", "--rows", "2", "--test-pairs", "10"],
}
"""A run of each script that takes seconds: the fuzzed flags come after, so they override these."""


def run(script, argv):
    """`script` as the terminal runs it (cli.run), in-process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as stopped:
        cli.run(script.main, [str(a) for a in argv])
    return stopped.value.code, out.getvalue(), err.getvalue()


def files_under(directory: Path) -> set[Path]:
    return {path for path in directory.rglob("*")}


def output_flags(tmp_path: Path) -> list[str]:
    return ["--json", tmp_path / "run.json", "--plot", tmp_path / "curves.png", "--save", tmp_path / "model.keras",
            "--tensorboard", tmp_path / "logs"]


# Interrupted runs: a signal at each point of a run leaves no output behind.

def _signal_at(monkeypatch, owner, name, signum, after=False):
    original = getattr(owner, name)

    def interrupted(*args, **kwargs):
        if not after:
            os.kill(os.getpid(), signum)
        result = original(*args, **kwargs)
        if after:
            os.kill(os.getpid(), signum)
        return result

    monkeypatch.setattr(owner, name, interrupted)


KILL_POINTS = {
    "while training": (training, "train", False),
    "while evaluating": (training, "predict", False),
    "after the JSON is staged": (outputs, "_stage_json", True),
    "as the JSON's temporary file is made": (outputs.tempfile, "mkstemp", True),
    "while the plot is drawn": (outputs, "plot_history", False),
    "while the model is saved": (outputs, "_stage_model", False),
}


SIGNALS = {"SIGTERM": (signal.SIGTERM, 143), "SIGINT": (signal.SIGINT, 130)}
KILLS = [(point, "SIGTERM") for point in KILL_POINTS] + [("while training", "SIGINT"), ("while evaluating", "SIGINT")]
"""SIGTERM at every point; SIGINT too where the backend is at work (both reach the run as `Interrupted`)."""


@pytest.mark.parametrize("point, signal_name", KILLS)
def test_a_signal_at_any_point_leaves_no_output(point, signal_name, tmp_path, monkeypatch):
    signum, status = SIGNALS[signal_name]
    owner, name, after = KILL_POINTS[point]
    _signal_at(monkeypatch, owner, name, signum, after)
    code, _, err = run(addition_mlp, [*TINY[addition_mlp], "--quiet", *output_flags(tmp_path)])
    assert code == status and err.strip().splitlines()[-1].endswith(signal.Signals(signum).name)
    assert files_under(tmp_path) == set(), "nothing left, staged files included"


def test_a_signal_while_the_outputs_are_moved_into_place_waits_until_all_are_in(tmp_path, monkeypatch):
    moved = []
    original = os.replace

    def replace_then_signal(source, target):
        original(source, target)
        moved.append(Path(target))
        if len(moved) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # held back until every output is in place

    monkeypatch.setattr(outputs.os, "replace", replace_then_signal)
    code, _, _ = run(addition_mlp, [*TINY[addition_mlp], "--quiet", *output_flags(tmp_path)])
    assert code == 143
    assert {path.name for path in moved} >= {"run.json", "curves.png", "model.keras"}
    assert json.loads((tmp_path / "run.json").read_text())["script"] == "addition_mlp.py"
    assert not [path for path in files_under(tmp_path) if path.name.startswith(".")]


def test_a_real_process_killed_while_training_leaves_no_output(tmp_path):
    """The real thing, from outside: the signal arrives while the backend is busy training. One
    process per backend (starting one costs more than the rest of these tests together): SIGINT on
    TensorFlow, SIGTERM on JAX; both signals are sent at every point in-process above."""
    signum, status = (signal.SIGINT, 130) if BACKEND == "tensorflow" else (signal.SIGTERM, 143)
    environment = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    # Many epochs, so that training is still going when the signal comes, however fast the machine.
    process = subprocess.Popen([sys.executable, str(ROOT / "echo_full.py"), "--epochs", "100000",
                                *map(str, output_flags(tmp_path))],
                               cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:  # the model summary is printed just before training starts
        if "Non-trainable params" in line:
            break
    time.sleep(2)
    process.send_signal(signum)
    _, err = process.communicate(timeout=300)
    assert process.returncode == status, err
    assert err.strip().splitlines()[-1].endswith(signal.Signals(signum).name)
    assert files_under(tmp_path) == set()


def _raised_where_python_drops_exceptions(where: str, signum: int) -> None:
    """Deliver `signum` while Python runs a gc callback, a `__del__` or a weakref callback: the
    handler raises there, and Python prints the exception as "Exception ignored" and drops it."""

    def deliver(*_):
        signal.raise_signal(signum)  # the handler runs before this call returns, inside the callback

    if where == "a gc callback":
        callback = lambda phase, info: deliver() if phase == "start" else None  # noqa: E731
        gc.callbacks.append(callback)
        try:
            gc.collect(0)  # the youngest generation: as prompt as a full collection, and quick
        finally:
            gc.callbacks.remove(callback)
    elif where == "__del__":
        type("Finalised", (), {"__del__": deliver})()
    else:
        referent = type("Referent", (), {})()
        reference = weakref.ref(referent, deliver)  # noqa: F841 (kept alive until the referent goes)
        del referent


DROPPED_AT = ["a gc callback", "__del__", "a weakref callback"]


@pytest.mark.parametrize("where", DROPPED_AT)
def test_a_signal_raised_where_python_drops_exceptions_is_never_lost(where):
    """Many times over, in the three places where Python drops an exception: each signal still
    stops the Python code that runs on, within a second (the next moment the watcher thread runs)."""
    for attempt in range(100):
        signum = (signal.SIGINT, signal.SIGTERM)[attempt % 2]
        with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(interrupts.Interrupted) as stop:
            with interrupts.handled():
                _raised_where_python_drops_exceptions(where, signum)
                deadline = time.monotonic() + 1
                while time.monotonic() < deadline:  # the rest of the run: the signal must stop it here
                    pass
                pytest.fail(f"the signal was lost at attempt {attempt}")
        assert stop.value.signum == signum
        assert "Exception ignored" not in err.getvalue()


@pytest.mark.parametrize("where", DROPPED_AT)
@pytest.mark.parametrize("signal_name", SIGNALS)
def test_a_run_whose_signal_python_dropped_still_stops_and_leaves_no_output(where, signal_name, tmp_path,
                                                                           monkeypatch):
    signum, status = SIGNALS[signal_name]
    train = training.train

    def train_after_a_dropped_signal(*args, **kwargs):
        _raised_where_python_drops_exceptions(where, signum)
        return train(*args, **kwargs)

    monkeypatch.setattr(training, "train", train_after_a_dropped_signal)
    code, _, err = run(addition_mlp, [*TINY[addition_mlp], "--quiet", *output_flags(tmp_path)])
    assert code == status and err.strip().splitlines()[-1].endswith(signal.Signals(signum).name)
    assert files_under(tmp_path) == set()


@pytest.mark.parametrize("owner, name", [(training, "train"), (outputs, "_stage_all")],
                         ids=["after training", "once the outputs are staged"])
def test_a_signal_some_code_caught_and_dropped_still_leaves_no_output(owner, name, tmp_path, monkeypatch):
    """Code that catches every exception can drop the signal: no output is written after one, even
    when it was dropped too late for the run to be stopped before its outputs are put in place."""
    original = getattr(owner, name)

    def then_dropping_a_signal(*args, **kwargs):
        result = original(*args, **kwargs)
        try:
            signal.raise_signal(signal.SIGTERM)
        except BaseException:  # noqa: BLE001 (what careless library code does)
            pass
        return result

    monkeypatch.setattr(owner, name, then_dropping_a_signal)
    code, _, _ = run(addition_mlp, [*TINY[addition_mlp], "--quiet", *output_flags(tmp_path)])
    assert code == 143
    assert files_under(tmp_path) == set()


def test_a_signal_some_code_caught_and_dropped_still_stops_a_run_that_goes_on():
    """Dropped with no trace (no unraisable hook sees it), the signal is raised again while the run
    goes on, so that it stops within seconds, not at the end of its training."""
    caught = []
    with pytest.raises(interrupts.Interrupted), interrupts.handled():
        try:
            signal.raise_signal(signal.SIGTERM)
        except BaseException as dropped:  # noqa: BLE001 (what careless library code does)
            caught.append(dropped)
        started = time.monotonic()
        while time.monotonic() - started < 60:  # a long training, in Python's own steps
            sum(range(1000))
    assert isinstance(caught[0], interrupts.Interrupted)
    assert time.monotonic() - started < 3 * interrupts.RAISE_AGAIN_AFTER


SECOND_SIGNAL_DURING_A_LONG_CALL = """
import os, signal, sys, threading, time
import numpy as np
from common.runtime import interrupts

matrix = np.ones((8000, 8000))  # one product of ~10^12 operations: many seconds, with no bytecode run

def send_two():
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.5)
    print("second", time.monotonic(), flush=True)
    os.kill(os.getpid(), signal.SIGINT)

with interrupts.handled():
    threading.Thread(target=send_two).start()
    matrix @ matrix
print("the product ended before the second signal stopped the process", flush=True)
"""


def test_a_second_signal_stops_the_process_during_a_long_call_at_once():
    """While the main thread is in one long call that runs no Python bytecode (a backend's compiled
    step, here a matrix product), the first signal cannot be acted on; the second ends the process."""
    process = subprocess.Popen([sys.executable, "-c", SECOND_SIGNAL_DURING_A_LONG_CALL], cwd=ROOT,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=600)
    ended = time.monotonic()
    assert process.returncode == 130, (out, err)
    assert err.strip().splitlines()[-1] == "-c: stopped at once by a second SIGINT", err
    second_sent = float(out.split()[1])
    assert ended - second_sent < 3, f"the second SIGINT took {ended - second_sent:.1f} s to stop it"


def test_a_second_signal_stops_the_process_at_once(tmp_path):
    """The first signal is raised between two backend calls; while a long call runs, the main thread
    cannot act on it. A second one ends the process at once, leaving no output."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    # Long sequences, so that each compiled call of the training loop takes many seconds.
    process = subprocess.Popen([sys.executable, str(ROOT / "memory_demo.py"), "--formulation", "long-lag",
                                "--lag", "300", "--epochs", "100000", *map(str, output_flags(tmp_path))],
                               cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if "Non-trainable params" in line:
            break
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    second = time.monotonic()
    _, err = process.communicate(timeout=300)
    stopped_after = time.monotonic() - second
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].endswith("SIGINT")
    assert stopped_after < 5, f"the second SIGINT took {stopped_after:.1f} s to stop the run"
    assert files_under(tmp_path) == set()


# Resource bounds: what cannot fit is refused before anything is built.

@pytest.mark.parametrize("script, argv, named", [
    (memory_demo, ["--formulation", "full-bptt", "--lag", "1000000"], "--lag"),
    (echo_full, ["--length", "100000000", "--values", "1000"], "--length"),
    (addition_seq2seq, ["--examples", "1000000000000"], "--examples"),
    (addition_mapping, ["--units", "10000000"], "--units"),
    (binary_addition, ["--formulation", "serial", "--test-bits", "100000000"], "--test-bits"),
    (binary_addition, ["--bits", "12", "--eval-pairs", "100000000000"], "--eval-pairs"),
])
def test_a_run_that_would_not_fit_is_refused_in_one_line(script, argv, named):
    code, _, err = run(script, [*argv, "--dry-run"])  # not refused: the dry run ends with status 0
    assert code == 2 and len(err.strip().splitlines()) == 1 and named in err and "would need about" in err


def test_the_memory_estimate_bounds_the_measured_peak_of_a_small_run():
    """The full-BPTT memory demo with a wide alphabet, so that its arrays dominate, and a lag
    above common.backends.base.MAX_UNROLL_STEPS, so that its LSTM is traced as a loop: numpy's
    allocations while it draws, trains two epochs and predicts, traced, against the estimate's
    arrays; the weights Keras counts against the estimate's. The loop and the prediction are
    compiled before tracing (tracemalloc slows Python down several times)."""
    task = memory.MemoryTask(80, alphabet=20000)
    need = memory_options.memory_need(task, 1, "full", units=4, epochs=2)
    model = models.memory_full_bptt(task.steps, task.width, units=4)
    assert need.parameters == model.count_params()
    warm = memory.step_pairs(task, memory.draw_sequences(task, random.Random(2)))
    training.train(model, lambda: memory.arrange(warm, [0, 1], 1, "full"), 2, 1, progress=False)
    training.predict(model, memory.arrange(warm, [0, 1], 1, "full")[0], 1)
    tracemalloc.start()
    try:
        pairs = memory.step_pairs(task, memory.draw_sequences(task, random.Random(1)))
        training.train(model, lambda: memory.arrange(pairs, [0, 1], 1, "full"), 2, 1, progress=False)
        training.predict(model, memory.arrange(pairs, [0, 1], 1, "full")[0], 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimated = resources.FLOAT_BYTES * need.array_floats
    assert peak <= estimated <= 4 * peak, (peak, estimated)


def test_the_check_compares_with_the_memory_available():
    need = resources.Need(array_floats=1024)
    resources.require_fits(need, "--x", available=4096)
    with pytest.raises(ValueError, match=r"--x: this run would need about 4\.0 KiB of memory, more than the 4\.0 KiB available"):
        resources.require_fits(need, "--x", available=4095)
    assert 0 < resources.available_bytes()


# --load: only a model this script saved, of the shapes the flags describe.

def test_a_model_of_another_script_or_other_shapes_is_refused(tmp_path):
    saved = tmp_path / "model.keras"
    assert run(addition_mapping, [*TINY[addition_mapping], "--quiet", "--save", saved])[0] == 0
    code, _, err = run(addition_mlp, ["--load", saved, "--quiet"])
    assert code == 2 and "saved by addition_mapping.py, not addition_mlp.py" in err
    code, _, err = run(addition_mapping, ["--load", saved, "--terms", "3", "--quiet"])
    assert code == 2 and "pass the flags it was trained with" in err and "(None, 3, 1)" in err
    assert run(addition_mapping, ["--load", saved, "--examples", "4", "--quiet"])[0] == 0


# Fuzzed command lines: status 0, or status 2 with one line naming a flag; never a traceback.

@dataclass(frozen=True)
class Flag:
    """One option as the script's `--help` shows it."""

    option: str
    metavar: str | None  # None: a switch

    @property
    def choices(self) -> list[str]:
        return self.metavar[1:-1].split(",") if self.metavar and self.metavar.startswith("{") else []


@functools.lru_cache(maxsize=None)
def flags_of(script) -> tuple[Flag, ...]:
    """Every option of the script, read from its `--help` usage line as a user would read it."""
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), pytest.raises(SystemExit):
        script.main(["--help"])
    usage = shown.getvalue().split("\n\n")[0]
    return tuple(Flag(option, metavar or None) for option, metavar in re.findall(r"\[(--[\w-]+)(?: ([^\]]+))?\]", usage))


SMALL = st.sampled_from(["1", "2", "3", "4"])
BOUNDARY = st.sampled_from(["0", "-1", "1", "0.0", "0.999", "1.0"])
HUGE = st.sampled_from(["1000000000", "10" * 15, str(2**64), "1e309"])
GARBAGE = st.sampled_from(["", "x", "ten", "1.5", "nan", "inf", "-inf", "é", "٣", "🙂", " 1", "0x10", "--"])
TIME_ONLY = {"--epochs", "--trials", "--test-pairs", "--rows", "--eval-sequences", "--eval-pairs",
             "--pairs-per-epoch", "--examples", "--largest"}
"""Flags that cost only time: fuzzed with small and garbage values, never with huge ones."""


def _values(flag: Flag, tmp_path: Path) -> st.SearchStrategy:
    option = flag.option
    if flag.metavar is None:
        return st.just(None)
    if flag.choices:
        return st.sampled_from(flag.choices) | GARBAGE | BOUNDARY
    if flag.metavar in ("PATH", "DIR"):
        places = [tmp_path / "out", tmp_path / "no-such-dir" / "out", Path("/proc/out"), tmp_path / "ünï cödé"]
        suffixes = ["", ".json", ".png", ".keras", ".txt"]
        return st.builds(lambda place, suffix: f"{place}{suffix}", st.sampled_from(places),
                         st.sampled_from(suffixes)) | st.just(str(tmp_path))  # a directory
    if option in ("--ops",):
        return st.text(alphabet="+-*/x1 ", max_size=4)
    if option in ("--ask",):
        return st.text(alphabet="0123456789+-*() x", max_size=10)
    if option == "--terms":
        return st.sampled_from(["2-4", "3-3", "4-2", "0-3", "2-", "-2", "a-b"]) | SMALL | BOUNDARY | GARBAGE
    if option in TIME_ONLY:
        return SMALL | BOUNDARY | GARBAGE
    return SMALL | BOUNDARY | GARBAGE | HUGE


FUZZED_PER_SCRIPT = 25
"""Command lines tried per script: the same ones on every run (derandomized), so CI is repeatable."""
TRAINED_PER_SCRIPT = 6
"""Command lines run to the end per script under `-m extended`: a finished run costs a training."""


@st.composite
def command_lines(draw, script, tmp_path):
    flags = [flag for flag in flags_of(script)
             if flag.option not in ("--dry-run", "--load", "--strategy", "--diagram")]
    chosen = draw(st.lists(st.sampled_from(flags), min_size=1, max_size=3, unique_by=lambda flag: flag.option))
    argv = list(TINY[script]) + ["--quiet"]
    for flag in chosen:
        argv.append(flag.option)
        value = draw(_values(flag, tmp_path))
        if value is not None:
            argv.append(value)
    return argv


def _check_fuzzed(script, examples: int, scratch: Path, dry_run: bool) -> None:
    """Run `examples` drawn command lines (with `--dry-run`: up to where the run would begin); each
    must finish or be refused in one line naming one of its flags; only a finished run that trained
    may leave files (the outputs it was asked for)."""
    outcomes = []

    @settings(max_examples=examples, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(command_lines(script, scratch))
    @example([*TINY[script], "--quiet"])  # one that must pass every check, whatever else is drawn
    def check(argv):
        before = files_under(scratch)
        code, _, err = run(script, [*argv, "--dry-run"] if dry_run else argv)
        outcomes.append(code)
        if code == 0 and not dry_run:
            return
        assert files_under(scratch) == before, f"{argv} left a file behind"
        if code == 0:
            return
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and ": error: " in lines[0], (argv, err)
        named = [arg for arg in argv if str(arg).startswith("--")]
        assert any(flag in lines[0] or flag[2:].replace("-", "_") in lines[0] or flag[2:] in lines[0]
                   for flag in named), (argv, err)

    check()
    assert len(outcomes) >= examples and {0, 2} <= set(outcomes), outcomes


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.__name__)
def test_fuzzed_command_lines_pass_every_check_or_are_refused_in_one_line(script, tmp_path_factory):
    """Up to where the run would begin (`--dry-run`): argument checks, resource bounds and output
    paths, no backend work."""
    _check_fuzzed(script, FUZZED_PER_SCRIPT, tmp_path_factory.mktemp("fuzz"), dry_run=True)


@extended
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.__name__)
def test_fuzzed_command_lines_finish_or_are_refused_in_one_line(script, tmp_path_factory):
    _check_fuzzed(script, TRAINED_PER_SCRIPT, tmp_path_factory.mktemp("fuzz"), dry_run=False)
