"""The README's test run: the tests on TensorFlow, then on JAX, then on PyTorch, each whatever
the others did.

Chaining the pytest runs with `&&` would hide the later ones whenever an earlier one failed; here
every one runs, the last lines say how each ended, and the exit status is non-zero if any failed.
The README's test command installs PyTorch; where it is not installed (another environment), its
run is skipped and its line says so. Arguments are
passed to every pytest run in place of the default selection, e.g.
`python3 tests/run.py -x tests/test_cli.py`.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common.runtime.startup import TORCH_INSTALL  # noqa: E402  (light: loads no backend)

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_ARGS = ("-q", "-n", "2", "-m", "not extended")
"""Two test processes; the extended checks (`-m extended`) left out."""
OUTCOMES = {0: "passed", 5: "no test selected (on JAX and PyTorch only the backend-sensitive tests run)"}
"""pytest's exit statuses that are not a failure."""


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    pytest_args = argv or list(DEFAULT_ARGS)
    statuses: dict[str, int | None] = {}
    for backend in BACKENDS:
        if backend == "torch" and importlib.util.find_spec("torch") is None:
            statuses[backend] = None
            continue
        print(f"== KERAS_BACKEND={backend} python3 -m pytest {' '.join(pytest_args)}", flush=True)
        statuses[backend] = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=root,
                                           env=dict(os.environ, KERAS_BACKEND=backend)).returncode
    for backend, status in statuses.items():
        failed = f"FAILED (pytest exit status {status})"
        outcome = f"skipped: PyTorch is not installed ({TORCH_INSTALL})" if status is None else OUTCOMES.get(status, failed)
        print(f"== {backend}: {outcome}")
    return 0 if all(status is None or status in OUTCOMES for status in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
