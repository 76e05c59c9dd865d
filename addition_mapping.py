"""Adding two numbers as a mapping, with an LSTM: the tutorial's beginner's mistake.

Two random integers in [1, 100], scaled by 1/200, go in one per time step; their scaled sum comes
out of an LSTM(10) -> Dense(1) regression, trained 100 epochs of 100 fresh examples at batch 1.
The tutorial's point: this is a mapping, not a sequence problem (see addition_mlp.py), and an
LSTM only approximates it. What the tutorial reported and what this script measures:
docs/addition_mapping.md.
"""

from __future__ import annotations

import argparse
import functools
import random

import numpy as np

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

from common import models, schedules, sums, training  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import addition as addition_options  # noqa: E402
from common.runtime.run import Run, summary_line  # noqa: E402

# The tutorial's settings; each is a flag (python3 addition_mapping.py --help shows them all).
EPOCHS = 100
EXAMPLES = 100  # fresh examples per epoch, and as many to evaluate on
BATCH_SIZE = 1
UNITS = 10


def fresh_examples(args: argparse.Namespace, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """`--examples` fresh pairs and their sums, scaled to [0, 1], one number per time step."""
    x, y = sums.scaled_sum_pairs(args.examples, args.terms, args.largest, rng)
    return x.reshape(-1, args.terms, 1), y.reshape(-1, 1)


def main(argv: list[str] | None = None) -> int:
    args = addition_options.parse_lstm("addition_mapping.py", __doc__.splitlines()[0], argv, EPOCHS, EXAMPLES,
                                       BATCH_SIZE, UNITS)

    with Run("addition_mapping.py", args) as run:  # seeds everything (--dry-run stops here)
        # Data: each epoch draws fresh pairs, scaled to [0, 1], one number per time step.
        rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras
        next_epoch = functools.partial(fresh_examples, args, rng)  # called once per epoch for fresh data

        # Model: LSTM(10) -> Dense(1), mean squared error, Adam (--two-layer: LSTM(6) -> LSTM(6) -> Dense(1)).
        model = run.loaded_or(models.addition_lstm(args.terms, args.units, args.two_layer))

        # Train: the tutorial's epochs of fresh examples, in batches of --batch-size, made many epochs
        # per compiled call: the same number and size of updates on the same data as the tutorial's
        # one model.fit per epoch, the batches in the order drawn instead of fit's shuffled order
        # (exactly the updates of training.tutorial_loop, the unshuffled fit that --loop plain runs).
        if run.training:  # no --load model given
            if args.decay:  # Adam's rate decayed to 0 over the run's updates, not constant
                schedules.decay_learning_rate(model, args.epochs * args.examples // args.batch_size)
            run.trained(training.train(model, next_epoch, epochs=args.epochs, batch_size=args.batch_size,
                                       progress=not args.quiet, loop=args.loop))

        # Evaluate on fresh examples: predictions and targets back to integers, the tutorial's
        # RMSE and first rows, then the summary over every example.
        x, y = fresh_examples(args, rng)
        predicted = sums.invert_scaled(training.predict(model, x, args.batch_size)[:, 0], args.terms,
                                       args.largest)
        expected = sums.invert_scaled(y[:, 0], args.terms, args.largest)
        metrics = {
            "rmse": sums.rmse(expected, predicted),
            "exact_match": float(np.mean(expected == predicted)),
        }
        print("RMSE: %f" % metrics["rmse"])
        sums.print_table(expected, predicted)
        print(summary_line(metrics, len(expected)))
        run.finish(metrics, model)  # writes --json, --plot, --tensorboard, --save, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
