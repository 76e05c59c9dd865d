"""Binary addition with an LSTM: the tutorial's 8-bit table, more bits, and the carry algorithm.

The tutorial trains LSTM(256) -> Dropout(0.2) -> Dense(9, sigmoid) (MSE, Adam, 100 epochs, batch
128) on all 65,536 pairs of 8-bit operands, read as 16 bits (a then b, MSB first), and shows 100
random sums. Its model learns a table of one operand width: it cannot add 9-bit numbers.
`--formulation serial` feeds one bit position per step (a_i, b_i), least significant first, and
asks for the sum bit at each step: a small LSTM then learns the carry and adds longer numbers.
What reproduces, and how far the serial adder carries: docs/binary_addition.md.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

from common import backends, binary, binary_fit, models, plotting, progress  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import binary_addition as binary_options  # noqa: E402
from common.runtime.run import Run, summary_line  # noqa: E402

# The tutorial's settings; each is a flag (python3 binary_addition.py --help shows them all).
EPOCHS = 100  # one fit() over every pair, 100 times
BITS = 8  # operand width: the tutorial's BINARY_DIM
BATCH_SIZE = 128  # pairs per batch
UNITS = 256
DROPOUT = 0.2
ROWS = 100  # random pairs printed, three rows each
# The serial formulation's, which is not the tutorial's (docs/binary_addition.md has the measurements).
# Left unset, --units and --batch-size are UNITS and BATCH_SIZE above, and with --formulation serial
# SERIAL_UNITS and SERIAL_BATCH_SIZE below: a model that learns the carry needs far fewer units, and
# reads CHAIN additions per sequence. --chain and --recurrent-dropout belong to the serial formulation.
SERIAL_UNITS = 16  # LSTM(4) did not learn 8-bit addition on every seed; LSTM(16) did
SERIAL_BATCH_SIZE = 32  # sequences of CHAIN additions each
CHAIN = 8  # additions read one after another in a training sequence, without a state reset
SERIAL_RECURRENT_DROPOUT = 0.1  # dropout on the state fed back in training: noise the carry must survive


def main(argv: list[str] | None = None) -> int:
    args = binary_options.parse("binary_addition.py", __doc__.splitlines()[0], argv, EPOCHS, BITS, UNITS,
                                SERIAL_UNITS, BATCH_SIZE, SERIAL_BATCH_SIZE, CHAIN, DROPOUT,
                                SERIAL_RECURRENT_DROPOUT, ROWS)
    bits, serial = args.bits, args.formulation == "serial"
    # Up to 10 bits every pair is held as arrays; beyond, training draws fresh pairs each epoch.
    all_pairs = binary.enumerates_all(bits, args.pairs_per_epoch)

    # Seeds everything (--dry-run stops here); --strategy mirrored builds and trains over several
    # devices; run.finish, last, writes the outputs.
    with Run("binary_addition.py", args) as run, backends.current().distribution(args.strategy):
        # Data: every pair of `bits`-bit operands (65,536 at 8 bits), or a random sample of them to
        # evaluate on, encoded as the formulation reads them.
        rng = np.random.default_rng(args.seed)
        if all_pairs:
            a, b = binary.all_operand_pairs(bits)
        else:
            a, b = binary.sample_operand_pairs(args.eval_pairs, bits, rng)
        x, y = binary.formulation_arrays(args.formulation, a, b, bits)
        # Serial problems are shuffled and joined --chain to a training sequence, read without a reset.
        x_train, y_train = binary.chain_problems(x, y, args.chain, rng) if serial and all_pairs else (x, y)

        # Model: LSTM(256) -> Dropout(0.2) -> Dense(bits+1, sigmoid), or the serial adder: LSTM(16),
        # its state under dropout in training so that the carry holds over long inputs, -> Dense(1, sigmoid).
        if serial:
            built = models.serial_adder(args.units, args.serial_loss, args.learning_rate, args.recurrent_dropout)
        else:
            built = models.binary_adder(2 * bits, bits + 1, args.units, args.dropout, args.learning_rate)
        model = run.loaded_or(built)

        # Train: the tutorial's one fit() over every pair, in shuffled batches (128 pairs; serial: 32
        # sequences); or, beyond 10 bits, a stream of fresh pairs each epoch. --until-exact stops at
        # the first epoch after which every pair is right.
        until = binary_fit.UntilExact(x, y, seed=args.seed) if args.until_exact else None
        if run.training:  # no --load model given
            if args.diagram:
                plotting.draw_model(model, args.diagram)
            # Progress: one line per epoch on a terminal, a few plain lines in a file or a pipe.
            verbose, shown = progress.for_fit(args.epochs, args.quiet)
            callbacks = ([until] if until else []) + shown
            started = time.perf_counter()
            if all_pairs:
                fitted = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                                   callbacks=callbacks, verbose=verbose)
            else:
                pairs = args.pairs_per_epoch or binary.ALL_PAIRS_LIMIT
                stream = binary_fit.SampledPairs(args.formulation, bits, args.batch_size,
                                                 pairs // (args.batch_size * args.chain), args.seed, args.chain)
                fitted = model.fit(stream, epochs=args.epochs, callbacks=callbacks, verbose=verbose)
            run.trained(binary_fit.as_history(fitted, time.perf_counter() - started))

        # Evaluate: the tutorial's 100 random pairs, three rows each; then every pair is counted,
        # a sum right only when all its bits are.
        metrics = {}
        if args.rows:
            shown = rng.choice(len(x), size=min(args.rows, len(x)), replace=False)
            guesses = binary.sums_from_outputs(args.formulation, model.predict(x[shown], verbose=0))
            for row, guess in zip(shown, guesses):
                print(binary.pair_rows(a[row], b[row], bits, guess))
            right = (binary.sums_from_outputs(args.formulation, y[shown]) == guesses).all(axis=1)
            metrics["exact_match"] = float(right.mean())
            print(summary_line({"exact_match": metrics["exact_match"]}, len(shown)))
        hits = binary.exact_rows(model, x, y)
        scope = "exact_match_all" if all_pairs else "exact_match_sampled"
        metrics[scope] = float(hits.mean())
        print(summary_line({scope: metrics[scope], "wrong": int((~hits).sum())}, len(x)))

        # Evaluate beyond the tutorial (serial): numbers wider than any the model was trained on.
        if args.test_bits:
            metrics["test_bits"] = args.test_bits
            metrics["test_exact_match"] = binary.exact_at_width(model, args.test_bits, args.test_pairs, rng)
            print(f"Unseen {args.test_bits}-bit pairs: test_exact_match={metrics['test_exact_match']:.6f} "
                  f"over {args.test_pairs} random pairs")
        pictures = {}
        if args.find_limit:
            good, bad, rates = binary.exact_by_width(
                lambda width: binary.exact_at_width(model, width, args.test_pairs, rng), bits)
            metrics.update(largest_exact_bits=good, first_wrong_bits=bad, exact_match_by_bits=rates)
            print(f"Largest width with all {args.test_pairs} random pairs right: "
                  f"{f'{good} bits' if good else 'none'} (first width with a wrong pair: "
                  f"{f'{bad} bits' if bad else f'none up to {binary.LIMIT_SEARCH_MAX_BITS}'})")
            if args.plot_widths:
                curves = {f"seed {args.seed}": rates}
                title = f"binary_addition.py serial, LSTM({args.units}), trained on {bits}-bit pairs"
                pictures[args.plot_widths] = lambda path: plotting.plot_exact_by_width(curves, path, title)

        if until is not None:
            metrics["exact_epoch"], metrics["exact_seconds"] = until.exact_epoch, until.exact_seconds
            checked = "training pair" if all_pairs else f"one of the {len(x)} sampled evaluation pairs"
            if until.exact_epoch:
                print(f"Every {checked} right after epoch {until.exact_epoch} ({until.exact_seconds:.1f} s)")
            else:
                print(f"Not every {checked} was right after {args.epochs} epochs (--until-exact)")
        metrics["peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(f"Peak memory (resident): {metrics['peak_memory_mib']:.0f} MiB")
        run.finish(metrics, model, pictures)  # writes every output asked for, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
