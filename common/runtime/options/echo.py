"""The echo scripts' options, their checks and the memory a run of them needs, side by side."""

from __future__ import annotations

import argparse
import math

from common import echo
from common.checks import MisuseError
from common.runtime import cli, resources

KINDS = ("full", "partial")
WHOLE_SEQUENCE = "whole sequence"
"""A script's batch size meaning all of a sequence's windows, however many `--length`, `--n-in`
and `--mask` make: one update per sequence."""


def parse(script: str, description: str, argv: list[str] | None, kind: str, epochs: int, units: int,
          batch_size: int | str) -> argparse.Namespace:
    """The echo script's settings, the tutorial's as defaults; misuse ends the run with one line.

    `batch_size` is the tutorial's: a number of windows, or `WHOLE_SEQUENCE`. The returned
    `batch_size` is the one the run uses, resolved from `--batch-size`, `--stateless` and the
    tutorial's.
    """
    if kind not in KINDS:
        raise MisuseError(f"kind must be one of {KINDS}, got {kind!r}")
    parser = cli.make_parser(script, description, epochs=epochs)
    task = parser.add_argument_group("echo options")
    task.add_argument("--length", type=cli.positive_int, default=25, help="items per random sequence")
    task.add_argument("--values", type=cli.positive_int, default=100,
                      help="size of the integer range: items are 0..VALUES-1")
    task.add_argument("--n-in", type=cli.positive_int, default=5, help="items per input window")
    if kind == "partial":
        task.add_argument("--n-out", type=cli.positive_int, default=2,
                          help="echo the first N_OUT items of each window (<= n_in)")
    task.add_argument("--encoding", choices=echo.ENCODINGS, default="onehot",
                      help="onehot: classification (the tutorial); linear: 0-1 scaled ints, regression")
    task.add_argument("--mask", action="store_true",
                      help="pad and mask the incomplete first windows instead of dropping them")
    task.add_argument("--stateless", action="store_true",
                      help="stateless LSTM, batch 1 unless --batch-size: the tutorial's 'ignore state' extension")
    default = "all the windows of a sequence, as many as --length, --n-in and --mask make" \
        if batch_size == WHOLE_SEQUENCE else batch_size
    task.add_argument("--batch-size", type=cli.positive_int, default=None,
                      help=f"batch size; must divide the windows per sequence (default: {default}; "
                           "1 with --stateless)")
    task.add_argument("--units", type=cli.positive_int, default=units, help="LSTM units per layer")
    task.add_argument("--eval-sequences", type=cli.positive_int, default=100,
                      help="fresh sequences the summary is computed over (rows show the first)")
    args = cli.parse_args(parser, argv)
    try:
        task = echo.EchoTask(args.length, args.values, args.n_in, getattr(args, "n_out", args.n_in),
                             args.encoding, args.mask)
    except ValueError as error:
        parser.error(str(error))
    samples = task.samples_per_sequence
    if args.batch_size is None:
        args.batch_size = 1 if args.stateless else samples if batch_size == WHOLE_SEQUENCE else batch_size
    args.memory = resources.require_fits(
        memory_need(task, args.batch_size, args.units, args.epochs, args.eval_sequences),
        "--length, --values, --n-in, --units, --batch-size and --eval-sequences")
    if samples % args.batch_size:
        small = [d for d in range(1, math.isqrt(samples) + 1) if samples % d == 0]
        divisors = sorted(set(small + [samples // d for d in small]))
        parser.error(f"batch size {args.batch_size} must divide the {samples} windows per sequence "
                     f"(allowed: {', '.join(map(str, divisors))}); choose --batch-size")
    return args


def memory_need(task: echo.EchoTask, batch_size: int, units: int, epochs: int, eval_sequences: int) -> resources.Need:
    """What a run of these settings holds at once, at most (`resources.require_fits` checks it)."""
    samples = task.samples_per_sequence
    sequence_floats = samples * (task.n_in + task.n_out) * task.width + task.length * task.width
    return resources.Need(
        array_floats=resources.stream_floats(sequence_floats, epochs, max(1, samples // batch_size))
        + eval_sequences * sequence_floats,
        parameters=2 * resources.lstm_parameters(units, task.width) + resources.dense_parameters(task.width, units),
        recurrent_floats=2 * resources.recurrent_floats(batch_size, task.n_in, units),
    )
