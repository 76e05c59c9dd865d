"""Echo the first 2 items of each window of random integers with a stateful encoder-decoder LSTM.

The data are the full echo's (a fresh 25-long sequence of ints in [0, 99] per epoch, one-hot, framed
into 21 windows of 5) but the target is each window's first 2 items: a different length from the
input, so an encoder LSTM(150) reads the window, RepeatVector(2) hands its summary to a decoder
LSTM(150), and a TimeDistributed softmax writes the items. Batch 21 makes one update per sequence,
5000 epochs, state reset after each sequence. The tutorial shows 20 of 21 windows right; the summary
here counts every window of `--eval-sequences` fresh sequences.
"""

from __future__ import annotations

import random
import time

import keras

from common import cli, echo, reporting, session, training

TUTORIAL_BATCH = None  # one batch of all 21 windows per sequence


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("echo_partial.py", __doc__.splitlines()[0], epochs=5000)
    echo.add_arguments(parser, "partial", units=150)
    args = cli.parse_args(parser, argv)
    task, batch_size = echo.task_from_args(parser, args, "partial", TUTORIAL_BATCH)
    stateful = not args.stateless
    sequence_samples = task.samples_per_sequence if stateful else None
    session.seed_everything(args.seed)
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y, _ = echo.draw_windows(task, 1, rng)  # one fresh sequence per epoch
        return x, y

    # Define and train the model (or load one).
    history, train_seconds = None, None
    if args.load:
        model = keras.models.load_model(args.load)
    else:
        model = echo.build_model(task, "partial", batch_size, args.units, stateful)
        if not args.quiet:
            model.summary()
        started = time.perf_counter()
        history = training.train(model, next_epoch, args.epochs, batch_size, sequence_samples,
                                 metric="categorical" if task.representation == "onehot" else None,
                                 progress=not args.quiet, loop=args.loop)
        train_seconds = time.perf_counter() - started

    # Evaluate on fresh sequences, state reset before each; show the first as the tutorial does.
    x, _, expected = echo.draw_windows(task, args.eval_sequences, rng)
    predicted = echo.decode(task, training.predict(model, x, batch_size, sequence_samples))
    metrics = echo.score(expected, predicted)
    first = task.samples_per_sequence
    for row in reporting.first_rows([echo.window_row(e, p) for e, p in zip(expected, predicted)], first):
        print(row)
    print(reporting.summary_line(metrics, len(expected)) + f" ({args.eval_sequences} sequences)")
    if train_seconds is not None:
        print(f"Trained {args.epochs} epochs in {train_seconds:.1f} s")

    session.write_outputs(args, "echo_partial.py", session.config_of(args, batch_size=batch_size), train_seconds,
                          metrics, history, model)
    return 0


if __name__ == "__main__":
    cli.run(main)
