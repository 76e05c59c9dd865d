"""The README's two set-up commands, `.ci/run` and `tests/run.py`: what a new user runs first."""

import importlib.metadata
import re
import subprocess

import pytest
from packaging.requirements import Requirement

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


def test_the_test_command_installs_pytorch_apart_from_the_rest():
    installs = re.findall(r"python3 -m pip install -q -r (\S+)", readme_commands()[1])
    assert installs == ["requirements-test.txt", "requirements-torch.txt"]
    assert "(python3 -m pip install -q -r requirements-torch.txt || " in readme_commands()[1], \
        "only PyTorch's install may fail without stopping the tests; a failed venv or test install must stop them"
    assert "requirements-torch" not in (ROOT / "requirements-test.txt").read_text(), \
        "PyTorch's index would be asked for every package"


def torch_requirements() -> tuple[list[str], list[Requirement]]:
    """requirements-torch.txt's pip options and its requirements."""
    lines = [line.strip() for line in (ROOT / "requirements-torch.txt").read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    return ([line for line in lines if line.startswith("--")],
            [Requirement(line) for line in lines if not line.startswith("--")])


def test_pytorch_comes_as_its_cpu_build_from_pytorchs_index():
    options, requirements = torch_requirements()
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    on_linux = [r for r in requirements if r.marker.evaluate({"sys_platform": "linux"})]
    elsewhere = [r for r in requirements if r.marker.evaluate({"sys_platform": "darwin"})]
    assert [str(r.specifier) for r in on_linux] == ["==2.13.0+cpu"], "the CPU build itself, never CUDA's"
    assert [str(r.specifier) for r in elsewhere] == ["==2.13.0"]


def test_the_installed_pytorch_is_the_one_pinned():
    try:
        installed = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("PyTorch is not installed here")
    _, requirements = torch_requirements()
    pinned = [r for r in requirements if r.marker.evaluate()]
    assert len(pinned) == 1 and pinned[0].specifier.contains(installed, prereleases=True), (installed, pinned)


def test_ci_runs_exactly_the_readmes_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == readme_commands()[1]
    assert 'cd "$(dirname "$0")/.."' in ci_lines


def test_ci_is_a_script_bash_can_parse():
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0


@pytest.mark.parametrize("statuses, expected", [
    ({"tensorflow": 1, "jax": 0, "torch": 0}, 1),
    ({"tensorflow": 0, "jax": 1, "torch": 0}, 1),
    ({"tensorflow": 0, "jax": 0, "torch": 1}, 1),
    ({"tensorflow": 0, "jax": 0, "torch": 0}, 0),
    ({"tensorflow": 0, "jax": 5, "torch": 5}, 0),  # nothing selected on JAX or PyTorch is not a failure
    ({"tensorflow": 2, "jax": 0, "torch": 0}, 1),  # pytest interrupted or misused
])
def test_the_test_run_runs_every_backend_and_fails_if_any_failed(monkeypatch, capsys, statuses, expected):
    calls = []

    def fake_pytest(command, cwd, env):
        calls.append((command, env["KERAS_BACKEND"]))
        return subprocess.CompletedProcess(command, statuses[env["KERAS_BACKEND"]])

    monkeypatch.setattr(test_run.subprocess, "run", fake_pytest)
    monkeypatch.setattr(test_run.importlib.util, "find_spec", lambda name: object())  # PyTorch installed
    assert test_run.main([]) == expected
    assert [backend for _, backend in calls] == ["tensorflow", "jax", "torch"]
    assert all(command[-5:] == ["-q", "-n", "2", "-m", "not extended"] for command, _ in calls)
    summary = capsys.readouterr().out.strip().splitlines()[-3:]
    assert [line.split(":")[0] for line in summary] == ["== tensorflow", "== jax", "== torch"]
    assert ("FAILED" in summary[0]) == (statuses["tensorflow"] not in (0, 5))


@pytest.mark.parametrize("other_status, expected", [(0, 0), (1, 1)])
def test_without_pytorch_the_test_run_says_it_skipped_it(monkeypatch, capsys, other_status, expected):
    calls = []
    monkeypatch.setattr(test_run.subprocess, "run", lambda command, cwd, env: calls.append(env["KERAS_BACKEND"])
                        or subprocess.CompletedProcess(command, other_status))
    monkeypatch.setattr(test_run.importlib.util, "find_spec", lambda name: None)  # nothing installed
    assert test_run.main([]) == expected
    assert calls == ["tensorflow", "jax"]
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("== torch: skipped: PyTorch is not installed (python3 -m pip install")


def test_the_test_run_passes_its_arguments_to_every_run(monkeypatch):
    commands = []
    monkeypatch.setattr(test_run.subprocess, "run",
                        lambda command, cwd, env: commands.append(command) or subprocess.CompletedProcess(command, 0))
    monkeypatch.setattr(test_run.importlib.util, "find_spec", lambda name: object())
    test_run.main(["-x", "tests/test_cli.py"])
    assert [command[-2:] for command in commands] == [["-x", "tests/test_cli.py"]] * 3
