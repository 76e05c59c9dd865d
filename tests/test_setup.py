"""The README's two set-up commands, `.ci/run` and `tests/run.py`: what a new user runs first."""

import re
import subprocess

import pytest

import run as test_run  # tests/run.py
from conftest import ROOT


def readme_commands() -> list[str]:
    """The indented command lines of the README's set-up section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^    (\S.*)$", section, flags=re.M)


def test_the_readme_has_two_commands_each_in_a_virtual_environment():
    commands = readme_commands()
    assert len(commands) == 2, commands
    for command in commands:
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && python3 -m pip install "), command


def test_ci_runs_exactly_the_readmes_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == readme_commands()[1]
    assert 'cd "$(dirname "$0")/.."' in ci_lines


def test_ci_is_a_script_bash_can_parse():
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0


@pytest.mark.parametrize("statuses, expected", [
    ({"tensorflow": 1, "jax": 0}, 1),
    ({"tensorflow": 0, "jax": 1}, 1),
    ({"tensorflow": 0, "jax": 0}, 0),
    ({"tensorflow": 0, "jax": 5}, 0),  # nothing selected on JAX is not a failure
    ({"tensorflow": 2, "jax": 0}, 1),  # pytest interrupted or misused
])
def test_the_test_run_runs_both_backends_and_fails_if_either_failed(monkeypatch, capsys, statuses, expected):
    calls = []

    def fake_pytest(command, cwd, env):
        calls.append((command, env["KERAS_BACKEND"]))
        return subprocess.CompletedProcess(command, statuses[env["KERAS_BACKEND"]])

    monkeypatch.setattr(test_run.subprocess, "run", fake_pytest)
    assert test_run.main([]) == expected
    assert [backend for _, backend in calls] == ["tensorflow", "jax"]
    assert all(command[-5:] == ["-q", "-n", "2", "-m", "not extended"] for command, _ in calls)
    summary = capsys.readouterr().out.strip().splitlines()[-2:]
    assert [line.split(":")[0] for line in summary] == ["== tensorflow", "== jax"]
    assert ("FAILED" in summary[0]) == (statuses["tensorflow"] not in (0, 5))


def test_the_test_run_passes_its_arguments_to_both_runs(monkeypatch):
    commands = []
    monkeypatch.setattr(test_run.subprocess, "run",
                        lambda command, cwd, env: commands.append(command) or subprocess.CompletedProcess(command, 0))
    test_run.main(["-x", "tests/test_cli.py"])
    assert [command[-2:] for command in commands] == [["-x", "tests/test_cli.py"]] * 2
