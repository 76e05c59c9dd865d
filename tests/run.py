"""The README's test run: the tests on TensorFlow, then on JAX, each whatever the other did.

Chaining the two pytest runs with `&&` would hide the JAX half whenever the TensorFlow half failed;
here both always run, the last lines say how each ended, and the exit status is non-zero if either
failed. Arguments are passed to both pytest runs in place of the default selection, e.g.
`python3 tests/run.py -x tests/test_cli.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BACKENDS = ("tensorflow", "jax")
DEFAULT_ARGS = ("-q", "-n", "2", "-m", "not extended")
"""Two test processes, one per core; the extended checks (`-m extended`) left out."""
OUTCOMES = {0: "passed", 5: "no test selected (on JAX only the backend-sensitive tests run)"}
"""pytest's exit statuses that are not a failure."""


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    pytest_args = argv or list(DEFAULT_ARGS)
    statuses = {}
    for backend in BACKENDS:
        print(f"== KERAS_BACKEND={backend} python3 -m pytest {' '.join(pytest_args)}", flush=True)
        statuses[backend] = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=root,
                                           env=dict(os.environ, KERAS_BACKEND=backend)).returncode
    for backend, status in statuses.items():
        print(f"== {backend}: {OUTCOMES.get(status, f'FAILED (pytest exit status {status})')}")
    return 0 if all(status in OUTCOMES for status in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
