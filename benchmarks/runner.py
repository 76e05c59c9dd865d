"""Runs one of the suite's scripts as a user would, and reads back what it measured.

Benchmarks go through the scripts' own command lines and `--json` output, so the figures they
report are the figures a user gets, not those of a private re-implementation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_script(script: str, argv: list[str], seed: int, loop: str | None = None,
               timeout: float | None = None, backend: str | None = None,
               env: dict[str, str] | None = None, root: Path = ROOT) -> dict[str, Any]:
    """Run `script` with `argv`, the given seed and `--loop` (None: the script's default), on
    `backend` (None: the one Keras would pick), with `env` added to the environment, from the
    checkout at `root` (another version of the suite, to compare with); return its `--json`
    document, with the whole process's wall time as `process_seconds`."""
    if not (root / script).is_file():
        raise ValueError(f"no script {script!r} in {root}")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "run.json"
        command = [sys.executable, str(root / script), *argv, "--seed", str(seed), "--quiet",
                   "--json", str(report), *(["--loop", loop] if loop else [])]
        environment = {**os.environ, **({"KERAS_BACKEND": backend} if backend else {}), **(env or {})}
        started = time.perf_counter()
        finished = subprocess.run(command, cwd=root, capture_output=True, text=True,
                                  timeout=timeout, env=environment)
        process_seconds = time.perf_counter() - started
        if finished.returncode != 0 or not report.exists():
            tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(command[1:])} failed ({finished.returncode}): {' | '.join(tail)}")
        return dict(json.loads(report.read_text()), process_seconds=process_seconds)


def command_line(script: str, argv: list[str]) -> str:
    """How a reader would type the run: `python3 script args`."""
    return " ".join(["python3", script, *argv])


def seed_list(text: str, single_is_count: bool = False) -> list[int]:
    """Seeds from a command line: `6-10`, or one number: that seed, or (`single_is_count`) 1..N."""
    first, dash, last = text.partition("-")
    try:
        if dash:
            seeds = list(range(int(first), int(last) + 1))
        else:
            seeds = list(range(1, int(first) + 1)) if single_is_count else [int(first)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed or a range like 6-10") from None
    if not seeds or seeds[0] < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give seeds >= 0, first <= last")
    return seeds
