"""binary_addition.py's options, their checks and the memory a run of it needs, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from common import backends, binary, models
from common.runtime import cli, resources


def parse(script: str, description: str, argv: list[str] | None, epochs: int, bits: int, units: int,
          serial_units: int, batch_size: int, serial_batch_size: int, chain: int, dropout: float,
          recurrent_dropout: float, rows: int) -> argparse.Namespace:
    """The script's settings, the tutorial's as defaults; misuse ends the run with one line.

    The serial formulation's own defaults (`serial_units`, `serial_batch_size`, `chain`,
    `recurrent_dropout`) are filled in where it is chosen: the returned `units`, `batch_size`,
    `chain` and `recurrent_dropout` are the ones the run uses.
    """
    # The tutorial trains with one fit() call, as the script does: there is no loop to choose.
    parser = cli.make_parser(script, description, epochs=epochs, loop=False)
    group = parser.add_argument_group("binary addition options")
    group.add_argument("--bits", type=cli.positive_int, default=bits,
                       help=f"operand width (the tutorial's BINARY_DIM), 1..{binary.MAX_OPERAND_BITS}")
    group.add_argument("--formulation", choices=binary.FORMULATIONS, default="tutorial",
                       help="tutorial: 2*bits steps in, bits+1 bits out; serial: one (a_i, b_i) "
                            "step per bit, LSB first, a sum bit out per step")
    group.add_argument("--units", type=cli.positive_int,
                       help=f"LSTM units (default: {units}; {serial_units} with --formulation serial)")
    group.add_argument("--chain", type=cli.positive_int,
                       help="serial: additions read per training sequence without a state reset "
                            f"(1: every problem from a zero state) (default: {chain})")
    group.add_argument("--dropout", type=cli.fraction, default=dropout, help="dropout (tutorial formulation)")
    group.add_argument("--recurrent-dropout", type=cli.fraction,
                       help="serial: dropout on the LSTM state fed back at each training step, so "
                            "that the carry survives noise and holds over long inputs "
                            f"(default: {recurrent_dropout:g})")
    group.add_argument("--serial-loss", choices=models.SERIAL_LOSSES, default="binary_crossentropy",
                       help="loss of the serial formulation")
    group.add_argument("--learning-rate", type=cli.positive_float, default=0.001,
                       help="Adam's learning rate (0.001: Keras's own, which the tutorial keeps)")
    group.add_argument("--batch-size", type=cli.positive_int,
                       help=f"batch size (default: {batch_size} pairs; {serial_batch_size} sequences of "
                            "--chain pairs with --formulation serial)")
    group.add_argument("--pairs-per-epoch", type=cli.positive_int,
                       help=f"train on this many pairs drawn afresh each epoch (default: all pairs, "
                            f"up to {binary.ALL_PAIRS_LIMIT:,} of them, else {binary.ALL_PAIRS_LIMIT:,} sampled)")
    group.add_argument("--eval-pairs", type=cli.positive_int, default=65536,
                       help="random pairs evaluated when not all pairs are enumerated")
    group.add_argument("--until-exact", action="store_true",
                       help="stop after the first epoch at which every training pair is right")
    group.add_argument("--test-bits", type=cli.positive_int,
                       help="also evaluate on random pairs of this width (serial: any width)")
    group.add_argument("--test-pairs", type=cli.positive_int, default=10000,
                       help="random pairs per --test-bits / --find-limit evaluation")
    group.add_argument("--find-limit", action="store_true",
                       help=f"serial: the largest width (up to {binary.LIMIT_SEARCH_MAX_BITS}) at which "
                            "--test-pairs random pairs are all right, by doubling then bisection; "
                            "the doubling goes on past a failure, to draw the rate against width")
    group.add_argument("--plot-widths", metavar="PATH", type=Path,
                       help="with --find-limit: write the exact-match rate at each width measured as PNG")
    group.add_argument("--rows", type=cli.non_negative_int, default=rows,
                       help="random pairs printed in the tutorial's three-row format")
    group.add_argument("--strategy", choices=backends.STRATEGIES, default="default",
                       help="mirrored: data-parallel replicas over the visible GPUs (or CPU devices): "
                            "tf.distribute.MirroredStrategy on TensorFlow, keras.distribution."
                            "DataParallel on JAX")
    group.add_argument("--diagram", metavar="PATH", type=Path,
                       help="draw the model with keras.utils.plot_model (needs pydot and Graphviz)")
    args = cli.parse_args(parser, argv)

    if args.bits > binary.MAX_OPERAND_BITS:
        parser.error(f"--bits {args.bits} is not allowed: must be 1..{binary.MAX_OPERAND_BITS} "
                     f"(pairs are enumerated or sampled by index; 4**{args.bits} would not fit)")
    # The width search and the wider tests need a model that reads any number of steps.
    if args.formulation == "tutorial" and (args.test_bits or args.find_limit):
        option = "--test-bits" if args.test_bits else "--find-limit"
        parser.error(f"{option} needs --formulation serial: the tutorial's model reads exactly "
                     f"{2 * args.bits} steps and cannot add numbers of another width")
    if args.plot_widths is not None and not args.find_limit:
        parser.error("--plot-widths needs --find-limit: it draws the rates that the search measures")
    cli.check_picture_path(parser, args, "--plot-widths")
    serial = args.formulation == "serial"
    if args.chain is not None and not serial:
        parser.error("--chain needs --formulation serial: the tutorial's problems are not sequences of steps")
    if args.recurrent_dropout is not None and not serial:
        parser.error("--recurrent-dropout needs --formulation serial: the tutorial's model has --dropout")
    args.batch_size = args.batch_size or (serial_batch_size if serial else batch_size)
    args.units = args.units or (serial_units if serial else units)
    args.chain = args.chain or (chain if serial else 1)
    if serial and args.recurrent_dropout is None:
        args.recurrent_dropout = recurrent_dropout
    per_batch = args.batch_size * args.chain
    if args.pairs_per_epoch is not None and args.pairs_per_epoch % per_batch:
        parser.error(f"--pairs-per-epoch {args.pairs_per_epoch} must be a multiple of "
                     f"--batch-size x --chain = {per_batch}")
    if binary.enumerates_all(args.bits, args.pairs_per_epoch) and binary.pair_count(args.bits) % args.chain:
        parser.error(f"--chain {args.chain} must divide the {binary.pair_count(args.bits)} pairs of --bits {args.bits}")
    if args.diagram is not None:
        cli.check_output_path(parser, "--diagram", args.diagram)

    all_pairs = binary.enumerates_all(args.bits, args.pairs_per_epoch)
    widest_test = max(args.test_bits or 0, binary.LIMIT_SEARCH_MAX_BITS if args.find_limit else 0)
    args.memory = resources.require_fits(
        memory_need(args.formulation, args.bits, binary.pair_count(args.bits) if all_pairs else args.eval_pairs,
                    args.units, args.batch_size, args.chain, widest_test),
        "--bits, --eval-pairs, --units, --batch-size, --chain and --test-bits")
    return args


def memory_need(formulation: str, bits: int, pairs: int, units: int, batch_size: int, chain: int,
                widest_test: int = 0) -> resources.Need:
    """What a run holds at once, at most (`resources.require_fits` checks it): `pairs` encoded
    (with their integer bits, the chained copy and the backend's copy for `fit`), a batch's
    backward pass, and a chunk of the widest test pairs with the LSTM's outputs over them."""
    serial = formulation == "serial"
    steps = bits + 1 if serial else 2 * bits
    per_pair = 3 * (bits + 1) if serial else 2 * bits + bits + 1
    test_floats = binary.EVALUATION_CHUNK * (widest_test + 1) * (9 + 2 * units) if widest_test else 0
    return resources.Need(
        array_floats=4 * pairs * per_pair + 2 * batch_size * chain * per_pair + test_floats,
        parameters=resources.lstm_parameters(units, 2 if serial else 1)
        + resources.dense_parameters(1 if serial else bits + 1, units),
        recurrent_floats=resources.recurrent_floats(batch_size, chain * steps, units),
    )
