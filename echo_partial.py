"""Echo the first 2 items of each window of random integers with a stateful encoder-decoder LSTM.

The data are the full echo's (a fresh 25-long sequence of ints in [0, 99] per epoch, one-hot, framed
into 21 windows of 5) but the target is each window's first 2 items: a different length from the
input, so an encoder LSTM(150) reads the window, RepeatVector(2) hands its summary to a decoder
LSTM(150), and a TimeDistributed softmax writes the items. Batch 21 makes one update per sequence,
5000 epochs, state reset after each sequence. The tutorial shows 20 of 21 windows right; the summary
here counts every window of `--eval-sequences` fresh sequences. What reproduces: docs/echo_partial.md.
"""

from __future__ import annotations

import random

from common import cli, echo, experiment, models, reporting, session, training

TUTORIAL_BATCH = None  # one batch of all 21 windows per sequence


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("echo_partial.py", __doc__.splitlines()[0], epochs=5000)
    echo.add_arguments(parser, "partial", units=150)
    args = cli.parse_args(parser, argv)
    task, batch_size = echo.task_from_args(parser, args, "partial", TUTORIAL_BATCH)
    # The state is reset after each sequence's windows; a stateless model has no state to reset.
    sequence_samples = None if args.stateless else task.samples_per_sequence

    # Data: one fresh random sequence per epoch, framed into windows whose targets are their first items.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y, _ = echo.draw_windows(task, 1, rng)
        return x, y

    # Model: encoder LSTM(150) -> RepeatVector(2) -> decoder LSTM(150) -> TimeDistributed softmax
    # (--mask puts a Masking layer in front, --encoding linear a Dense(1) regression behind).
    def build():
        return models.echo_partial(batch_size, task.n_in, task.n_out, task.width, args.units,
                                   stateful=not args.stateless, mask_value=task.pad_value if task.mask else None,
                                   linear=task.encoding == "linear")

    # Train: one sequence per epoch, one update per batch, the state reset after each sequence.
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

    return experiment.run(args, "echo_partial.py", build, train, evaluate,
                          session.config_of(args, batch_size=batch_size))


if __name__ == "__main__":
    cli.run(main)
