"""Echo a whole window of random integers with a stateful many-to-many LSTM.

Each epoch draws a fresh sequence of 25 ints in [0, 99], one-hot encodes it and frames it into the
21 complete windows of 5 (pandas `shift`, incomplete rows dropped); the target of each window is
the window itself. A stateful LSTM(20) with batch shape (7, 5, 100) -> TimeDistributed softmax
learns it in 500 epochs, state reset after each sequence. The tutorial shows one fresh sequence
(all 21 windows right); the summary here counts every window of `--eval-sequences` fresh ones.
What reproduces: docs/echo_full.md.
"""

from __future__ import annotations

import random

from common import cli, echo, experiment, models, reporting, session, training

TUTORIAL_BATCH = 7


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("echo_full.py", __doc__.splitlines()[0], epochs=500)
    echo.add_arguments(parser, "full", units=20)
    args = cli.parse_args(parser, argv)
    task, batch_size = echo.task_from_args(parser, args, "full", TUTORIAL_BATCH)
    # The state is reset after each sequence's windows; a stateless model has no state to reset.
    sequence_samples = None if args.stateless else task.samples_per_sequence

    # Data: one fresh random sequence per epoch, one-hot encoded and framed into its windows.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y, _ = echo.draw_windows(task, 1, rng)
        return x, y

    # Model: a stateful LSTM(20) of fixed batch shape -> TimeDistributed softmax, one output per step
    # (--mask puts a Masking layer in front, --encoding linear a Dense(1) regression behind).
    def build():
        return models.echo_full(batch_size, task.n_in, task.width, args.units, stateful=not args.stateless,
                                mask_value=task.pad_value if task.mask else None, linear=task.encoding == "linear")

    # Train: one sequence per epoch, its windows in order, the state reset after each sequence.
    def train(model):
        return training.train(model, next_epoch, args.epochs, batch_size, sequence_samples,
                              metric="categorical" if task.encoding == "onehot" else None,
                              progress=not args.quiet, loop=args.loop)

    # Evaluate on fresh sequences, state reset before each; show the first as the tutorial does.
    def evaluate(model):
        x, _, expected = echo.draw_windows(task, args.eval_sequences, rng)
        predicted = echo.decode(task, training.predict(model, x, batch_size, sequence_samples))
        metrics = echo.score(expected, predicted)
        rows = [echo.window_row(e, p) for e, p in zip(expected, predicted)]
        print("\n".join(reporting.first_rows(rows, task.samples_per_sequence)))
        print(reporting.summary_line(metrics, len(expected)) + f" ({args.eval_sequences} sequences)")
        return metrics

    return experiment.run(args, "echo_full.py", build, train, evaluate, session.config_of(args, batch_size=batch_size))


if __name__ == "__main__":
    cli.run(main)
