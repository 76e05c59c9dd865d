"""The command line every script shares, and the rules for misuse: one line, exit status 2.

Defaults are the tutorial's; `--help` prints each of them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from common.checks import MisuseError, require_int


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but misuse prints one line (no usage block) and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _int_at_least(minimum: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= {minimum}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int_at_least(1, text)


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _int_at_least(0, text)


def fraction(text: str) -> float:
    """argparse type: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be in [0, 1)")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be > 0")
    return value


def make_parser(script: str, description: str, epochs: int, loop: bool = True) -> ArgumentParser:
    """A parser with the shared options; the script adds its own and the tutorial's defaults.

    `loop`: offer `--loop` (only scripts whose tutorial calls `fit` once per epoch have a choice).
    """
    require_int("epochs", epochs, minimum=1)
    parser = ArgumentParser(
        prog=script, description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    shared = parser.add_argument_group("shared options")
    shared.add_argument("--seed", type=non_negative_int, default=1,
                        help="seeds Python, numpy and the Keras backend, and makes TensorFlow's ops "
                             "deterministic (the tutorials call seed(1))")
    shared.add_argument("--epochs", type=positive_int, default=epochs, help="training epochs")
    if loop:
        shared.add_argument("--loop", choices=("fast", "plain"), default="fast",
                            help="fast: the project's compiled loop; plain: the tutorials' one fit() "
                                 "per epoch (same updates, for comparison)")
    shared.add_argument("--quiet", action="store_true", help="no progress bar or model summary")
    shared.add_argument("--json", metavar="PATH", type=Path,
                        help="write {script, config, train_seconds, metrics} as JSON")
    shared.add_argument("--plot", metavar="PATH", type=Path, help="write the training curves as PNG")
    shared.add_argument("--tensorboard", metavar="DIR", type=Path,
                        help="write TensorBoard logs of the training curves")
    shared.add_argument("--save", metavar="PATH", type=Path, help="save the trained model (.keras)")
    shared.add_argument("--load", metavar="PATH", type=Path,
                        help="load a saved model (.keras) instead of training one")
    return parser


def add_decay_option(parser: argparse.ArgumentParser, advice: str) -> None:
    """`--decay` (common/schedules.py), with the script's own measured advice on when it helps."""
    if not isinstance(advice, str) or not advice:
        raise MisuseError(f"advice must be a non-empty string, got {advice!r}")
    parser.add_argument("--decay", action="store_true",
                        help="decay Adam's learning rate to 0 over the run (cosine), same updates; the "
                             f"tutorial keeps it constant. {advice}")


def parse_args(parser: ArgumentParser, argv: list[str] | None = None) -> argparse.Namespace:
    """Parse, then refuse output paths that could not be written and models that are not there.

    Checking before training means a bad path never costs a training run or leaves half a result.
    """
    args = parser.parse_args(argv)
    for option in ("json", "plot", "save"):
        path = getattr(args, option)
        if path is None:
            continue
        if not path.parent.is_dir():
            parser.error(f"--{option} {path}: directory {path.parent} does not exist")
        if path.is_dir():
            parser.error(f"--{option} {path}: is a directory, expected a file path")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        parser.error(f"--plot {args.plot}: must end in .png")
    if args.tensorboard is not None and args.tensorboard.exists() and not args.tensorboard.is_dir():
        parser.error(f"--tensorboard {args.tensorboard}: exists and is not a directory")
    for option in ("save", "load"):
        path = getattr(args, option)
        if path is not None and path.suffix != ".keras":
            parser.error(f"--{option} {path}: must end in .keras (the Keras 3 format)")
    if args.load is not None and not args.load.is_file():
        parser.error(f"--load {args.load}: no such file")
    return args


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> None:
    """Run a script's `main`; bad input (MisuseError) becomes one line and exit status 2.

    Any other exception is a bug in the suite, not the user's doing: it ends with its traceback.
    """
    prog = Path(sys.argv[0]).name
    try:
        status = main(argv)
    except MisuseError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        status = 130
    sys.exit(status)
