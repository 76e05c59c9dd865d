"""Binary addition with an LSTM: the tutorial's 8-bit table, more bits, and the carry algorithm.

The tutorial trains LSTM(256) -> Dropout(0.2) -> Dense(9, sigmoid) (MSE, Adam, 100 epochs, batch
128) on all 65,536 pairs of 8-bit operands, read as 16 bits (a then b, MSB first), and shows 100
random sums. Its model learns a table of one operand width: it cannot add 9-bit numbers.
`--formulation serial` feeds one bit position per step (a_i, b_i), least significant first, and
asks for the sum bit at each step: a small LSTM then learns the carry and adds longer numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import shutil
from pathlib import Path
from typing import Callable

import numpy as np

from common import backends, binary, cli, data, encoding, experiment, models, plotting, reporting, resources
from common.training import History

import keras  # noqa: E402  (after common, which prepares the backend before Keras loads it)

TUTORIAL_ROWS = 100
ALL_PAIRS_LIMIT = 4**10
"""Up to this many pairs (10 bits) are enumerated in memory; beyond it pairs are sampled per epoch."""
LIMIT_SEARCH_MAX_BITS = 4096
SERIAL_UNITS = 16
"""LSTM(4) did not learn 8-bit addition on every seed; LSTM(16) did (docs/binary_addition.md)."""


def build_parser() -> cli.ArgumentParser:
    """The shared options, then this tutorial's; every default is the tutorial's."""
    # The tutorial trains with one fit() call, as this script does: there is no loop to choose.
    parser = cli.make_parser("binary_addition.py", __doc__.splitlines()[0], epochs=100, loop=False)
    parser.add_argument("--bits", type=cli.positive_int, default=8,
                        help=f"operand width (the tutorial's BINARY_DIM), 1..{binary.MAX_OPERAND_BITS}")
    parser.add_argument("--formulation", choices=binary.FORMULATIONS, default="tutorial",
                        help="tutorial: 2*bits steps in, bits+1 bits out; serial: one (a_i, b_i) "
                             "step per bit, LSB first, a sum bit out per step")
    parser.add_argument("--units", type=cli.positive_int,
                        help="LSTM units; None: 256 tutorial, 16 serial")
    parser.add_argument("--chain", type=cli.positive_int,
                        help="serial: additions read per training sequence without a state reset "
                             "(1: every problem from a zero state); None: 8")
    parser.add_argument("--dropout", type=cli.fraction, default=0.2, help="dropout (tutorial formulation)")
    parser.add_argument("--recurrent-dropout", type=cli.fraction,
                        help="serial: dropout on the LSTM state fed back at each training step, so "
                             "that the carry survives noise and holds over long inputs; None: "
                             f"{binary.SERIAL_RECURRENT_DROPOUT:g}")
    parser.add_argument("--serial-loss", choices=binary.SERIAL_LOSSES, default="binary_crossentropy",
                        help="loss of the serial formulation")
    parser.add_argument("--learning-rate", type=cli.positive_float, default=0.001,
                        help="Adam's learning rate (0.001, Keras' default, is the tutorial's)")
    parser.add_argument("--batch-size", type=cli.positive_int,
                        help="batch size; None: 128 pairs tutorial, 32 sequences (of --chain pairs) serial")
    parser.add_argument("--pairs-per-epoch", type=cli.positive_int,
                        help=f"train on this many pairs drawn afresh each epoch; None: all pairs "
                             f"up to {ALL_PAIRS_LIMIT:,} of them, else {ALL_PAIRS_LIMIT:,} sampled")
    parser.add_argument("--eval-pairs", type=cli.positive_int, default=65536,
                        help="random pairs evaluated when not all pairs are enumerated")
    parser.add_argument("--until-exact", action="store_true",
                        help="stop after the first epoch at which every training pair is right")
    parser.add_argument("--test-bits", type=cli.positive_int,
                        help="also evaluate on random pairs of this width (serial: any width)")
    parser.add_argument("--test-pairs", type=cli.positive_int, default=10000,
                        help="random pairs per --test-bits / --find-limit evaluation")
    parser.add_argument("--find-limit", action="store_true",
                        help=f"serial: the largest width (up to {LIMIT_SEARCH_MAX_BITS}) at which "
                             "--test-pairs random pairs are all right, by doubling then bisection; "
                             "the doubling goes on past a failure, to draw the rate against width")
    parser.add_argument("--plot-widths", metavar="PATH", type=Path,
                        help="with --find-limit: write the exact-match rate at each width measured as PNG")
    parser.add_argument("--rows", type=cli.non_negative_int, default=TUTORIAL_ROWS,
                        help="random pairs printed in the tutorial's three-row format")
    parser.add_argument("--strategy", choices=backends.STRATEGIES, default="default",
                        help="mirrored: data-parallel replicas over the visible GPUs (or CPU devices): "
                             "tf.distribute.MirroredStrategy on TensorFlow, keras.distribution."
                             "DataParallel on JAX")
    parser.add_argument("--diagram", metavar="PATH", type=Path,
                        help="draw the model with keras.utils.plot_model (needs pydot and Graphviz)")
    return parser


def settle_args(parser: cli.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse combinations that cannot work, before any training; fill the formulation's defaults."""
    if args.bits > binary.MAX_OPERAND_BITS:
        parser.error(f"--bits {args.bits} is not allowed: must be 1..{binary.MAX_OPERAND_BITS} "
                     f"(pairs are enumerated or sampled by index; 4**{args.bits} would not fit)")
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
    args.batch_size = args.batch_size or (32 if serial else 128)
    args.units = args.units or (SERIAL_UNITS if serial else 256)
    args.chain = args.chain or (8 if serial else 1)
    if serial and args.recurrent_dropout is None:
        args.recurrent_dropout = binary.SERIAL_RECURRENT_DROPOUT
    per_batch = args.batch_size * args.chain
    if args.pairs_per_epoch is not None and args.pairs_per_epoch % per_batch:
        parser.error(f"--pairs-per-epoch {args.pairs_per_epoch} must be a multiple of "
                     f"--batch-size x --chain = {per_batch}")
    if args.pairs_per_epoch is None and 4**args.bits <= ALL_PAIRS_LIMIT and 4**args.bits % args.chain:
        parser.error(f"--chain {args.chain} must divide the {4**args.bits} pairs of --bits {args.bits}")
    if args.diagram is not None:
        cli.check_output_path(parser, "--diagram", args.diagram)
    all_pairs = args.pairs_per_epoch is None and binary.pair_count(args.bits) <= ALL_PAIRS_LIMIT
    widest_test = max(args.test_bits or 0, LIMIT_SEARCH_MAX_BITS if args.find_limit else 0)
    resources.require_fits(
        binary.memory_need(args.formulation, args.bits, binary.pair_count(args.bits) if all_pairs else args.eval_pairs,
                           args.units, args.batch_size, args.chain, widest_test),
        "--bits, --eval-pairs, --units, --batch-size, --chain and --test-bits")


def draw_diagram(model: keras.Model, path: Path) -> None:
    """The tutorial's plot_model(show_shapes=True), or one line saying why not, and carry on.

    Asked without pydot or Graphviz, plot_model raises, or (when IPython is importable) prints its
    own notice and draws nothing; checking first keeps the message to one line either way.
    """
    missing = [name for name, found in (("pydot", importlib.util.find_spec("pydot")),
                                        ("Graphviz's dot", shutil.which("dot"))) if not found]
    if missing:
        print(f"No model diagram: {' and '.join(missing)} not installed (pip install pydot; install Graphviz)")
        return
    keras.utils.plot_model(model, to_file=path, show_shapes=True)
    print(f"Model diagram written to {path}")


def print_pair(a: int, b: int, bits: int, predicted: np.ndarray) -> None:
    """The tutorial's three rows; a wrong sum is marked, which the tutorial never needed to do."""
    print("=" * 30)
    print(reporting.bits_row(encoding.to_bits(a, bits)))
    print(reporting.bits_row(encoding.to_bits(b, bits)))
    right = int(encoding.from_bits(predicted)) == a + b
    print(reporting.bits_row(predicted) + ("" if right else f"   <- wrong, {a}+{b}={a + b}"))


def exact_at_width(model: keras.Model, bits: int, n_pairs: int, rng: np.random.Generator) -> float:
    """Exact-match rate of the serial model on `n_pairs` random pairs of `bits`-bit operands."""
    hits = 0
    for start in range(0, n_pairs, binary.EVALUATION_CHUNK):
        count = min(binary.EVALUATION_CHUNK, n_pairs - start)
        x, y = binary.serial_from_bits(*binary.random_bit_pairs(count, bits, rng))
        hits += int(binary.exact_rows(model, x, y, batch_size=count).sum())
    return hits / n_pairs


def exact_by_width(exact_at: Callable[[int], float],
                   start_bits: int) -> tuple[int | None, int | None, dict[int, float]]:
    """(largest width found all right, smallest width found wrong, the exact-match rate at every
    width measured), where `exact_at(width)` measures the rate: doubling from `start_bits` up to
    the most, or to a width with none right, then bisection between the last width all right and
    the first one wrong."""
    rates: dict[int, float] = {}
    width = start_bits
    while width <= LIMIT_SEARCH_MAX_BITS and (not rates or min(rates.values()) > 0):
        rates[width] = exact_at(width)
        width *= 2
    bad = next((w for w in rates if rates[w] < 1.0), None)
    good = max((w for w in rates if bad is None or w < bad), default=None)
    while good is not None and bad is not None and bad - good > 1:
        middle = (good + bad) // 2
        rates[middle] = exact_at(middle)
        if rates[middle] < 1.0:
            bad = middle
        else:
            good = middle
    return good, bad, dict(sorted(rates.items()))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = cli.parse_args(parser, argv)
    settle_args(parser, args)
    bits, serial = args.bits, args.formulation == "serial"

    # Data: every pair of `bits`-bit operands as arrays, or (beyond 10 bits) a sampled stream.
    rng = np.random.default_rng(args.seed)
    all_pairs = args.pairs_per_epoch is None and binary.pair_count(bits) <= ALL_PAIRS_LIMIT
    if all_pairs:
        a, b = data.all_operand_pairs(bits)
    else:
        a, b = binary.sample_operand_pairs(args.eval_pairs, bits, rng)
    x, y = binary.formulation_arrays(args.formulation, a, b, bits)
    x_train, y_train = binary.chain_problems(x, y, args.chain, rng) if serial and all_pairs else (x, y)

    # Model: LSTM(256) -> Dropout(0.2) -> Dense(bits+1, sigmoid), or the serial adder: LSTM(16), its
    # recurrent state under dropout in training so that the carry holds over long inputs, -> Dense(1, sigmoid).
    def build():
        if serial:
            return binary.serial_adder(args.units, args.serial_loss, args.learning_rate, args.recurrent_dropout)
        return models.binary_adder(2 * bits, bits + 1, args.units, args.dropout, args.learning_rate)

    # Train: the tutorial's one fit() over every pair, batch 128; or a fresh sample each epoch.
    until = binary.UntilExact(x, y, seed=args.seed) if args.until_exact else None

    def train(model):
        if args.diagram:
            draw_diagram(model, args.diagram)
        verbose = 0 if args.quiet else 2
        callbacks = [until] if until else []
        if all_pairs:
            fitted = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                               callbacks=callbacks, verbose=verbose)
        else:
            pairs = args.pairs_per_epoch or ALL_PAIRS_LIMIT
            stream = binary.SampledPairs(args.formulation, bits, args.batch_size,
                                         pairs // (args.batch_size * args.chain), args.seed, args.chain)
            fitted = model.fit(stream, epochs=args.epochs, callbacks=callbacks, verbose=verbose)
        return History(loss=[float(v) for v in fitted.history["loss"]],
                       accuracy=[float(v) for v in fitted.history.get("binary_accuracy", [])])

    # Beyond the tutorial: numbers wider than any the serial model was trained on.
    def beyond_the_training_width(model):
        metrics = {}
        if args.test_bits:
            metrics["test_bits"] = args.test_bits
            metrics["test_exact_match"] = exact_at_width(model, args.test_bits, args.test_pairs, rng)
            print(f"Unseen {args.test_bits}-bit pairs: test_exact_match={metrics['test_exact_match']:.6f} "
                  f"over {args.test_pairs} random pairs")
        if args.find_limit:
            good, bad, rates = exact_by_width(lambda width: exact_at_width(model, width, args.test_pairs, rng),
                                              bits)
            metrics["largest_exact_bits"], metrics["first_wrong_bits"] = good, bad
            metrics["exact_match_by_bits"] = rates
            print(f"Largest width with all {args.test_pairs} random pairs right: "
                  f"{f'{good} bits' if good else 'none'} (first width with a wrong pair: "
                  f"{f'{bad} bits' if bad else f'none up to {LIMIT_SEARCH_MAX_BITS}'})")
        return metrics

    # Evaluate: the tutorial's 100 random pairs, three rows each; then every pair is counted.
    def evaluate(model):
        sums = binary.sums_from_outputs(args.formulation, y)
        metrics: dict[str, float | int | None] = {}
        if args.rows:
            shown = rng.choice(len(x), size=min(args.rows, len(x)), replace=False)
            guesses = binary.sums_from_outputs(args.formulation, model.predict(x[shown], verbose=0))
            for row, guess in zip(shown, guesses):
                print_pair(a[row], b[row], bits, guess)
            metrics["exact_match"] = reporting.exact_match(sums[shown], guesses)
            print(reporting.summary_line({"exact_match": metrics["exact_match"]}, len(shown)))
        hits = binary.exact_rows(model, x, y)
        scope = "exact_match_all" if all_pairs else "exact_match_sampled"
        metrics[scope] = float(hits.mean())
        print(reporting.summary_line({scope: metrics[scope], "wrong": int((~hits).sum())}, len(x)))
        metrics.update(beyond_the_training_width(model))
        if until is not None:
            metrics["exact_epoch"], metrics["exact_seconds"] = until.exact_epoch, until.exact_seconds
            checked = "training pair" if all_pairs else f"one of the {len(x)} sampled evaluation pairs"
            if until.exact_epoch:
                print(f"Every {checked} right after epoch {until.exact_epoch} ({until.exact_seconds:.1f} s)")
            else:
                print(f"Not every {checked} was right after {args.epochs} epochs (--until-exact)")
        metrics["peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(f"Peak memory (resident): {metrics['peak_memory_mib']:.0f} MiB")
        return metrics

    def pictures(model, metrics):
        if args.plot_widths is None:
            return {}
        curves = {f"seed {args.seed}": metrics["exact_match_by_bits"]}
        title = f"binary_addition.py serial, LSTM({args.units}), trained on {args.bits}-bit pairs"
        return {args.plot_widths: lambda path: plotting.plot_exact_by_width(curves, path, title)}

    with backends.current().distribution(args.strategy):  # replicas, if asked, for the whole run
        return experiment.run(args, "binary_addition.py", build, train, evaluate, pictures=pictures)


if __name__ == "__main__":
    cli.run(main)
