"""The command line every script shares, and the rules for misuse: one line, exit status 2.

Defaults are the tutorial's; `--help` prints each of them once.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Callable, NoReturn

from common.runtime import interrupts
from common.checks import MisuseError, require_int


class HelpFormatter(argparse.HelpFormatter):
    """`--help` shows each option's default once, as `(default: ...)` at the end of its help.

    A switch, and an option that is off unless given, show none: "(default: False)" or
    "(default: None)" would tell a learner nothing. An option whose default depends on other flags
    writes its own `(default: ...)` in its help, which is then left as it is.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == []
        if "(default" in text or unset or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


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


MAX_SEED = 2**32 - 1
"""numpy's legacy seeding, which Keras uses, takes seeds below 2**32."""


def seed(text: str) -> int:
    """argparse type: a seed, an integer in [0, 2**32 - 1]."""
    value = _int_at_least(0, text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be <= {MAX_SEED}")
    return value


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
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be a finite number > 0")
    return value


def make_parser(script: str, description: str, epochs: int, loop: bool = True) -> ArgumentParser:
    """A parser with the shared options; the script adds its own and the tutorial's defaults.

    `loop`: offer `--loop` (only scripts whose tutorial calls `fit` once per epoch have a choice).
    """
    require_int("epochs", epochs, minimum=1)
    parser = ArgumentParser(
        prog=script, description=description, formatter_class=HelpFormatter
    )
    shared = parser.add_argument_group("shared options")
    shared.add_argument("--seed", type=seed, default=1,
                        help="seeds Python, numpy and the Keras backend, and makes TensorFlow's ops "
                             "deterministic (the tutorials call seed(1))")
    shared.add_argument("--epochs", type=positive_int, default=epochs, help="training epochs")
    if loop:
        shared.add_argument("--loop", choices=("fast", "plain"), default="fast",
                            help="fast: the project's compiled loop; plain: the tutorials' one fit() "
                                 "per epoch, unshuffled (the same updates, for comparison)")
    shared.add_argument("--quiet", action="store_true", help="no progress bar or model summary")
    shared.add_argument("--dry-run", action="store_true",
                        help="check every setting, output path and the memory the run needs, print the "
                             "settings (defaults resolved) and the memory estimate, then stop before "
                             "anything is built, trained or written")
    shared.add_argument("--json", metavar="PATH", type=Path,
                        help="write {script, config, train_seconds, metrics} as JSON")
    shared.add_argument("--plot", metavar="PATH", type=Path, help="write the training curves as PNG")
    shared.add_argument("--tensorboard", metavar="DIR", type=Path,
                        help="write TensorBoard logs of the training curves")
    shared.add_argument("--save", metavar="PATH", type=Path, help="save the trained model (.keras)")
    shared.add_argument("--load", metavar="PATH", type=Path,
                        help="load a saved model (.keras) instead of training one")
    return parser


def add_decay_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, advice: str) -> None:
    """`--decay` (common/schedules.py), with the script's own measured advice on when it helps."""
    if not isinstance(advice, str) or not advice:
        raise MisuseError(f"advice must be a non-empty string, got {advice!r}")
    parser.add_argument("--decay", action="store_true",
                        help="decay Adam's learning rate to 0 over the run (cosine), same updates; the "
                             f"tutorial keeps it constant. {advice}")


def check_output_path(parser: ArgumentParser, option: str, path: Path, directory: bool = False) -> None:
    """Refuse an output path whose directory is missing or cannot be written, or that names a
    directory where a file is expected. Outputs are staged beside their target, so its parent must
    take a new file; a `directory` output that exists already must take one too. Tried, not
    inferred from permission bits, which say nothing of read-only or special file systems."""
    if not path.parent.is_dir():
        parser.error(f"{option} {path}: directory {path.parent} does not exist")
    if not directory and path.is_dir():
        parser.error(f"{option} {path}: is a directory, expected a file path")
    for where in (path.parent, path) if directory and path.is_dir() else (path.parent,):
        try:
            with tempfile.TemporaryFile(dir=where):
                pass
        except OSError as error:
            parser.error(f"{option} {path}: cannot write in {where} ({error.strerror or error})")


def parse_args(parser: ArgumentParser, argv: list[str] | None = None) -> argparse.Namespace:
    """Parse, then refuse output paths that could not be written and models that are not there.

    Checking before training means a bad path never costs a training run or leaves half a result.
    """
    args = parser.parse_args(argv)
    for option in ("json", "plot", "save"):
        if getattr(args, option) is not None:
            check_output_path(parser, f"--{option}", getattr(args, option))
    if args.plot is not None:
        _check_png(parser, "--plot", args.plot)
    if args.tensorboard is not None:
        if args.tensorboard.exists() and not args.tensorboard.is_dir():
            parser.error(f"--tensorboard {args.tensorboard}: exists and is not a directory")
        check_output_path(parser, "--tensorboard", args.tensorboard, directory=True)
    named = [(option, getattr(args, option)) for option in ("json", "plot", "save", "tensorboard", "load")
             if getattr(args, option) is not None]
    for first, (option, path) in enumerate(named):
        for other, other_path in named[first + 1:]:
            if path.resolve() == other_path.resolve():
                parser.error(f"--{option} and --{other} both name {path}: give each its own path")
    for option in ("save", "load"):
        path = getattr(args, option)
        if path is not None and path.suffix != ".keras":
            parser.error(f"--{option} {path}: must end in .keras (the Keras 3 format)")
    if args.load is not None and not args.load.is_file():
        parser.error(f"--load {args.load}: no such file")
    if args.load is not None and not os.access(args.load, os.R_OK):
        parser.error(f"--load {args.load}: not readable")
    return args


def _check_png(parser: ArgumentParser, option: str, path: Path) -> None:
    if path.suffix.lower() != ".png":
        parser.error(f"{option} {path}: must end in .png")


def check_picture_path(parser: ArgumentParser, args: argparse.Namespace, option: str) -> None:
    """Refuse a script's own picture option (`--plot-...`) as `--plot` is refused: a .png path
    that can be written, and that no other output names."""
    path = getattr(args, option[2:].replace("-", "_"))
    if path is None:
        return
    check_output_path(parser, option, path)
    _check_png(parser, option, path)
    for other in ("json", "plot", "save", "tensorboard", "load"):
        if getattr(args, other) is not None and getattr(args, other).resolve() == path.resolve():
            parser.error(f"{option} and --{other} both name {path}: give each its own path")


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> None:
    """Run a script's `main` on `argv` (None: the process's command line, the process ending with
    the run); bad input (MisuseError) becomes one line and exit status 2.

    SIGINT and SIGTERM stop the run with status 130 and 143, leaving no output file behind. Any
    other exception is a bug in the suite, not the user's doing: it ends with its traceback.
    """
    prog = Path(sys.argv[0]).name
    try:
        with interrupts.handled():
            status = main(argv)
    except MisuseError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        status = 2
    except interrupts.Interrupted as stop:
        stopped(prog, stop.signum, whole_process=argv is None)
    except KeyboardInterrupt:
        stopped(prog, int(signal.SIGINT), whole_process=argv is None)
    sys.exit(status)


def stopped(prog: str, signum: int, whole_process: bool) -> NoReturn:
    """Say which signal stopped the run and exit with 128 + its number.

    The outputs were already cleaned up while the run unwound. A script run from the command line
    (`whole_process`) ends at once, skipping the interpreter's shutdown: a backend computation
    dispatched before the signal may still be running on the backend's threads, and tearing the
    backend down under it crashed the process (JAX). A run given its `argv` by a caller raises
    SystemExit as usual.
    """
    print(f"{prog}: stopped by {signal.Signals(signum).name}", file=sys.stderr)
    if not whole_process:
        sys.exit(128 + signum)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signum)
