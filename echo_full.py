"""Echo a whole window of random integers with a stateful many-to-many LSTM.

Each epoch draws a fresh sequence of 25 ints in [0, 99], one-hot encodes it and frames it into the
21 complete windows of 5 (pandas `shift`, incomplete rows dropped); the target of each window is
the window itself. A stateful LSTM(20) with batch shape (7, 5, 100) -> TimeDistributed softmax
learns it in 500 epochs, state reset after each sequence. The tutorial shows one fresh sequence
(all 21 windows right); the summary here counts every window of `--eval-sequences` fresh ones.
"""

from __future__ import annotations

import random
import time

import keras

from common import cli, echo, reporting, session, training

TUTORIAL_BATCH = 7


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("echo_full.py", __doc__.splitlines()[0], epochs=500)
    echo.add_arguments(parser, "full", units=20)
    args = cli.parse_args(parser, argv)
    task, batch_size = echo.task_from_args(parser, args, "full", TUTORIAL_BATCH)
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
        model = echo.build_model(task, "full", batch_size, args.units, stateful)
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

    session.write_outputs(args, "echo_full.py", session.config_of(args, batch_size=batch_size), train_seconds,
                          metrics, history, model)
    return 0


if __name__ == "__main__":
    cli.run(main)
