"""How far does the serial adder carry, seed by seed? One picture and one line per seed.

Trains `binary_addition.py --formulation serial` (on 8-bit pairs only, by default) once per seed
with `--find-limit`, which measures the exact-match rate on random pairs at widths 8, 16, ...,
4096 and bisects to the largest width with every pair right; prints each seed's largest width and
training time, and draws every seed's rate against width in one picture. Runs one training at a
time.

    python3 benchmarks/adder_widths.py --seeds 1-5 --plot docs/plots/binary_addition_widths.png
    python3 benchmarks/adder_widths.py --seeds 1-5 -- --units 4     # flags after -- go to the script
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import command_line, run_script, seed_list  # noqa: E402

SERIAL = ["--formulation", "serial", "--epochs", "30", "--find-limit", "--rows", "0"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_list, default=seed_list("1-5"), help="seeds, e.g. 1-5")
    parser.add_argument("--plot", type=Path, help="write every seed's exact-match rate against width as PNG")
    parser.add_argument("extra", nargs="*", help="more binary_addition.py flags, after --")
    args = parser.parse_args(argv)
    if args.plot is not None and (args.plot.suffix.lower() != ".png" or not args.plot.parent.is_dir()):
        parser.error(f"--plot {args.plot}: must be a .png path in an existing directory")

    argv = [*SERIAL, *args.extra]
    print(command_line("binary_addition.py", argv) + " --seed N")
    curves = {}
    for seed in args.seeds:
        metrics = run_script("binary_addition.py", argv, seed)
        found = metrics["metrics"]
        curves[f"seed {seed}"] = {int(width): rate for width, rate in found["exact_match_by_bits"].items()}
        wrong = found["first_wrong_bits"]
        print(f"seed {seed}: all 8-bit pairs {found['exact_match_all']:.4%}, largest width all right "
              f"{found['largest_exact_bits']} bits, first wrong {wrong if wrong else 'none up to 4096'}, "
              f"trained {metrics['train_seconds']:.1f} s", flush=True)
    if args.plot is not None:
        from common import plotting  # Keras loads only once the runs are done

        plotting.plot_exact_by_width(curves, args.plot, "serial adder: exact-match rate against width, by seed")
        print(f"Picture written to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
