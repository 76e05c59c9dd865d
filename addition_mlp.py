"""Adding two numbers as a mapping, with a small MLP: the tutorial's right tool for the job.

The same scaled pairs as addition_mapping.py, without a time axis, into Dense(4) -> Dense(2) ->
Dense(1), all linear, trained 50 epochs of 100 fresh examples at batch 2: a sum is linear, so the
model can be exact (the tutorial reports RMSE 0). Its point, measured here: the order of the
inputs does not matter, because this is a mapping, not a sequence problem; the evaluation is
repeated with the operands in reverse order. What reproduces: docs/addition_mlp.md.
"""

from __future__ import annotations

import argparse
import functools
import random

import numpy as np

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

from common import models, sums, training  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import addition as addition_options  # noqa: E402
from common.runtime.run import Run, summary_line  # noqa: E402

# The tutorial's settings; each is a flag (python3 addition_mlp.py --help shows them all).
EPOCHS = 50
EXAMPLES = 100  # fresh examples per epoch, and as many to evaluate on
BATCH_SIZE = 2


def fresh_examples(args: argparse.Namespace, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """`--examples` fresh pairs and their sums, scaled to [0, 1], as one vector of --terms inputs."""
    x, y = sums.scaled_sum_pairs(args.examples, args.terms, args.largest, rng)
    return x, y.reshape(-1, 1)


def main(argv: list[str] | None = None) -> int:
    args = addition_options.parse_mlp("addition_mlp.py", __doc__.splitlines()[0], argv, EPOCHS, EXAMPLES,
                                      BATCH_SIZE)

    with Run("addition_mlp.py", args) as run:  # seeds everything (--dry-run stops here)
        # Data: each epoch draws fresh pairs, scaled to [0, 1], as one vector of --terms inputs.
        rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras
        next_epoch = functools.partial(fresh_examples, args, rng)  # called once per epoch for fresh data

        # Model: Dense(4) -> Dense(2) -> Dense(1), all linear, mean squared error, Adam.
        model = run.loaded_or(models.addition_mlp(args.terms))

        # Train: the tutorial's epochs of fresh examples, in batches of --batch-size, made many epochs
        # per compiled call: the same number and size of updates on the same data as the tutorial's
        # one model.fit per epoch, the batches in the order drawn instead of fit's shuffled order
        # (exactly the updates of training.tutorial_loop, the unshuffled fit that --loop plain runs).
        if run.training:  # no --load model given
            run.trained(training.train(model, next_epoch, epochs=args.epochs, batch_size=args.batch_size,
                                       progress=not args.quiet, loop=args.loop))

        # Evaluate on fresh examples: predictions and targets back to integers, the tutorial's
        # RMSE and first rows, then the summary over every example.
        x, y = fresh_examples(args, rng)
        expected = sums.invert_scaled(y[:, 0], args.terms, args.largest)
        predicted = sums.invert_scaled(training.predict(model, x, args.batch_size)[:, 0], args.terms,
                                       args.largest)
        # The tutorial's point: the same examples with the operands in reverse order.
        reordered = sums.invert_scaled(training.predict(model, x[:, ::-1].copy(), args.batch_size)[:, 0],
                                       args.terms, args.largest)
        metrics = {
            "rmse": sums.rmse(expected, predicted),
            "exact_match": float(np.mean(expected == predicted)),
            "reversed_rmse": sums.rmse(expected, reordered),
        }
        print("RMSE: %f" % metrics["rmse"])
        sums.print_table(expected, predicted)
        print(summary_line(metrics, len(expected)))
        same = "unchanged" if metrics["reversed_rmse"] == metrics["rmse"] else "CHANGED"
        print(f"Operands in reverse order: RMSE {metrics['reversed_rmse']:f} ({same}); "
              f"{int((reordered != predicted).sum())} of {len(expected)} rounded answers differ")
        run.finish(metrics, model)  # writes --json, --plot, --tensorboard, --save, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
