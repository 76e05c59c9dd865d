"""memory_demo.py's options, their checks and the memory a run of it needs, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from common import memory, models
from common.checks import MisuseError
from common.runtime import cli, resources


def parse(script: str, description: str, argv: list[str] | None, epochs: int, units: int,
          batch_size: int) -> argparse.Namespace:
    """The script's settings, the tutorial's as defaults; misuse ends the run with one line."""
    parser = cli.make_parser(script, description, epochs=epochs)
    group = parser.add_argument_group("memory demo options")
    group.add_argument("--lag", type=cli.positive_int, default=3,
                       help="K: the sequences are [K, 0..K-1, K] and [K+1, 0..K-1, K+1]")
    group.add_argument("--alphabet", type=cli.positive_int, default=None,
                       help="one-hot width (default: K+2, every symbol used)")
    group.add_argument("--random-sequences", action="store_true",
                       help="draw the two first/last symbols (distinct) and the shared middle at random")
    group.add_argument("--shuffle", action="store_true",
                       help="present the two sequences in a random order each epoch")
    group.add_argument("--batch-size", type=int, choices=(1, 2), default=batch_size,
                       help="1: one sequence at a time (the tutorial); 2: both side by side per batch")
    group.add_argument("--formulation", choices=memory.FORMULATIONS, default="tutorial",
                       help="tutorial: the stateful LSTM, one time step per batch; full-bptt: a stateless "
                            "LSTM over each whole sequence, a prediction at every step; long-lag: full-bptt "
                            "with softmax outputs, the last step weighted as much as all the others, a "
                            "forget-gate bias keeping half a cell over the lag (at least 5), and Adam at "
                            f"{models.LONG_LAG_LEARNING_RATE} with each update's gradient norm clipped to "
                            f"{models.LONG_LAG_CLIPNORM} (see docs/memory_demo.md)")
    group.add_argument("--last-step-share", type=float, default=models.LAST_STEP_SHARE,
                       help="with --formulation long-lag: the last step's share of the loss, in (0, 1) "
                            "(0.5: as much as all the other steps together)")
    group.add_argument("--memory-units", type=cli.positive_int, default=None,
                       help="with --formulation long-lag: only this many units get the long forget-gate bias, "
                            "and an input gate mostly closed; the others keep Keras's (default: every unit "
                            "gets the forget bias)")
    group.add_argument("--shortcut", type=cli.positive_int, default=None, metavar="N",
                       help="with --formulation long-lag: the output layer also sees each step's input through "
                            "a Dense(N) projection, so the next-item steps need no LSTM cell, and the input "
                            "gates start almost closed (bias "
                            f"{models.SHORTCUT_INPUT_GATE_BIAS:g}; only the memory units' with --memory-units)")
    group.add_argument("--units", type=cli.positive_int, default=units, help="LSTM units")
    group.add_argument("--trials", type=cli.positive_int, default=1,
                       help="train on seeds SEED..SEED+TRIALS-1 and count how many solve it")
    group.add_argument("--plot-memory", metavar="PATH", type=Path,
                       help="write the (first) model's cell states step by step for both sequences, "
                            "and the gap between them, as PNG: the memory kept across the lag")
    args = cli.parse_args(parser, argv)
    cli.check_picture_path(parser, args, "--plot-memory")
    if args.trials > 1 and (args.load or args.save):
        parser.error("--load and --save work with one model: use --trials 1")
    try:
        check_long_lag_options(args.formulation, args.units, args.last_step_share, args.memory_units, args.shortcut)
        task = memory.MemoryTask(args.lag, args.alphabet, args.random_sequences)
    except ValueError as error:
        parser.error(str(error))
    args.alphabet = task.width  # the run's, resolved: K+2 unless given
    args.memory = resources.require_fits(
        memory_need(task, args.batch_size, memory.BPTT_OF[args.formulation], args.units, args.epochs, args.shortcut),
        "--lag, --alphabet, --units and --shortcut")
    return args


def check_long_lag_options(formulation: str, units: int, last_step_share: float, memory_units: int | None,
                           shortcut: int | None) -> None:
    """Refuse the long-lag model's options (`models.memory_full_bptt`) where they are out of range or
    mean nothing: given without `--formulation long-lag`, they would change nothing that was asked for."""
    given = [flag for flag, value in [("--last-step-share", last_step_share != models.LAST_STEP_SHARE),
                                      ("--memory-units", memory_units is not None),
                                      ("--shortcut", shortcut is not None)] if value]
    if given and formulation != "long-lag":
        raise MisuseError(f"{', '.join(given)}: only the long-lag model has these settings; use "
                          "--formulation long-lag")
    if not 0 < last_step_share < 1:
        raise MisuseError(f"--last-step-share must be in (0, 1), got {last_step_share}")
    if memory_units is not None and memory_units > units:
        raise MisuseError(f"--memory-units {memory_units} is more than the LSTM has: --units {units}")


def memory_need(task: memory.MemoryTask, batch_size: int, bptt: str, units: int, epochs: int,
                shortcut: int | None = None) -> resources.Need:
    """What a run of these settings holds at once, at most (`resources.require_fits` checks it):
    the two sequences' one-hot (input, target) pairs, once as pairs and as each training call
    stacks them, the weights (the LSTM's, the output layer's, the shortcut's) and what a batch's
    backward pass keeps."""
    epoch_floats = 2 * task.steps * 2 * task.width
    batches = 2 * task.steps // batch_size if bptt == "step" else max(1, 2 // batch_size)
    steps_per_batch = 1 if bptt == "step" else task.steps
    return resources.Need(
        array_floats=resources.stream_floats(epoch_floats, epochs, batches) + epoch_floats,
        parameters=resources.lstm_parameters(units, task.width)
        + resources.dense_parameters(task.width, units + (shortcut or 0)) + task.width * (shortcut or 0),
        recurrent_floats=resources.recurrent_floats(batch_size, steps_per_batch, units),
    )
