"""One echo experiment end to end: the whole-window and the first-items echo differ only in model.

echo_full.py and echo_partial.py are the two tutorials' entry points; their shared run lives here
once, in the tutorial's order: data, model, training with resets, evaluation, report.
"""

from __future__ import annotations

import random

from common import cli, echo, experiment, reporting, session, training


def run(script: str, description: str, kind: str, epochs: int, units: int,
        tutorial_batch: int | None, argv: list[str] | None = None) -> int:
    """Parse the command line, train (or load), evaluate and report one echo experiment."""
    parser = cli.make_parser(script, description, epochs=epochs)
    echo.add_arguments(parser, kind, units=units)
    args = cli.parse_args(parser, argv)
    task, batch_size = echo.task_from_args(parser, args, kind, tutorial_batch)
    stateful = not args.stateless
    sequence_samples = task.samples_per_sequence if stateful else None

    # Data: one fresh random sequence per epoch, one-hot encoded and framed into its windows.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y, _ = echo.draw_windows(task, 1, rng)
        return x, y

    # Model: a stateful LSTM of fixed batch shape, then the echo of the whole window or its first items.
    def build():
        return echo.build_model(task, kind, batch_size, args.units, stateful)

    # Train: one sequence per epoch, batches in order, the state reset after each sequence.
    def train(model):
        return training.train(model, next_epoch, args.epochs, batch_size, sequence_samples,
                              metric="categorical" if task.representation == "onehot" else None,
                              progress=not args.quiet, loop=args.loop)

    # Evaluate on fresh sequences, state reset before each; show the first as the tutorial does.
    def evaluate(model):
        x, _, expected = echo.draw_windows(task, args.eval_sequences, rng)
        predicted = echo.decode(task, training.predict(model, x, batch_size, sequence_samples))
        metrics = echo.score(expected, predicted)
        first = task.samples_per_sequence
        for row in reporting.first_rows([echo.window_row(e, p) for e, p in zip(expected, predicted)], first):
            print(row)
        print(reporting.summary_line(metrics, len(expected)) + f" ({args.eval_sequences} sequences)")
        return metrics

    return experiment.run(args, script, build, train, evaluate, session.config_of(args, batch_size=batch_size))
