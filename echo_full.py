"""Echo a whole window of random integers with a stateful many-to-many LSTM.

Each epoch draws a fresh sequence of 25 ints in [0, 99], one-hot encodes it and frames it into the
21 complete windows of 5 (pandas `shift`, incomplete rows dropped); the target of each window is
the window itself. A stateful LSTM(20) with batch shape (7, 5, 100) -> TimeDistributed softmax
learns it in 500 epochs, state reset after each sequence. The tutorial shows one fresh sequence
(all 21 windows right); the summary here counts every window of `--eval-sequences` fresh ones.
What reproduces: docs/echo_full.md.
"""

from __future__ import annotations

import functools
import random

import numpy as np

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

from common import echo, models, training  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import echo as echo_options  # noqa: E402
from common.runtime.run import Run, summary_line  # noqa: E402

# The tutorial's settings; each is a flag (python3 echo_full.py --help shows them all).
EPOCHS = 500  # one fresh random sequence per epoch
BATCH_SIZE = 7  # the 21 windows of a sequence in 3 batches
UNITS = 20


def fresh_sequence(task: echo.EchoTask, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """One tutorial epoch's data: a fresh random sequence's windows and their targets."""
    x, y, _ = echo.draw_windows(task, 1, rng)
    return x, y


def main(argv: list[str] | None = None) -> int:
    args = echo_options.parse("echo_full.py", __doc__.splitlines()[0], argv, "full", EPOCHS, UNITS, BATCH_SIZE)
    task = echo.EchoTask(length=args.length, n_values=args.values, n_in=args.n_in, n_out=args.n_in,
                         encoding=args.encoding, mask=args.mask)
    # The state is reset after each sequence's windows; a stateless model has no state to reset.
    reset_after = None if args.stateless else task.samples_per_sequence

    with Run("echo_full.py", args) as run:  # seeds everything (--dry-run stops here)
        # Data: one fresh random sequence per epoch, one-hot encoded and framed into its windows.
        rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras
        next_epoch = functools.partial(fresh_sequence, task, rng)  # called once per epoch for fresh data

        # Model: a stateful LSTM(20) of fixed batch shape -> TimeDistributed softmax, one output per
        # step (--mask puts a Masking layer in front, --encoding linear a Dense(1) regression behind).
        model = run.loaded_or(models.echo_full(args.batch_size, task.n_in, task.width, args.units,
                                           stateful=not args.stateless,
                                           mask_value=task.pad_value if task.mask else None,
                                           linear=task.encoding == "linear"))

        # Train: each epoch one fresh sequence, its windows in order in batches of 7, then the
        # state reset. The updates are exactly those of the tutorial's model.fit(...);
        # model.reset_states() (training.tutorial_loop, which --loop plain runs), made many epochs
        # per compiled call.
        if run.training:  # no --load model given
            run.trained(training.train(model, next_epoch, epochs=args.epochs, batch_size=args.batch_size,
                                       reset_after=reset_after,
                                       metric="categorical" if task.encoding == "onehot" else None,
                                       progress=not args.quiet, loop=args.loop))

        # Evaluate on fresh sequences, state reset before each; show the first as the tutorial does.
        x, _, expected = echo.draw_windows(task, args.eval_sequences, rng)
        predicted = echo.decode(task, training.predict(model, x, args.batch_size, reset_after))
        metrics = echo.score(expected, predicted)
        for e, p in zip(expected[:task.samples_per_sequence], predicted):
            print(echo.window_row(e, p))
        print(summary_line(metrics, len(expected)) + f" ({args.eval_sequences} sequences)")
        run.finish(metrics, model)  # writes --json, --plot, --tensorboard, --save, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
