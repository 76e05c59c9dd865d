"""Echo the first 2 items of each window of random integers with a stateful encoder-decoder LSTM.

The data are the full echo's (a fresh 25-long sequence of ints in [0, 99] per epoch, one-hot, framed
into 21 windows of 5) but the target is each window's first 2 items: a different length from the
input, so an encoder LSTM(150) reads the window, RepeatVector(2) hands its summary to a decoder
LSTM(150), and a TimeDistributed softmax writes the items. Batch 21 makes one update per sequence,
5000 epochs, state reset after each sequence. The tutorial shows 20 of 21 windows right; the summary
here counts every window of `--eval-sequences` fresh sequences. What reproduces: docs/echo_partial.md.
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

# The tutorial's settings; each is a flag (python3 echo_partial.py --help shows them all).
EPOCHS = 5000  # one fresh random sequence per epoch
# One batch per sequence, one update each, as in the tutorial: all of a sequence's windows (the 21
# windows of 5 in a 25-long sequence; with another --length, --n-in or --mask, however many).
BATCH_SIZE = echo_options.WHOLE_SEQUENCE
UNITS = 150


def fresh_sequence(task: echo.EchoTask, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """One tutorial epoch's data: a fresh random sequence's windows and their targets."""
    x, y, _ = echo.draw_windows(task, 1, rng)
    return x, y


def main(argv: list[str] | None = None) -> int:
    args = echo_options.parse("echo_partial.py", __doc__.splitlines()[0], argv, "partial", EPOCHS, UNITS,
                              BATCH_SIZE)
    task = echo.EchoTask(length=args.length, n_values=args.values, n_in=args.n_in, n_out=args.n_out,
                         encoding=args.encoding, mask=args.mask)
    # The state is reset after each sequence's windows; a stateless model has no state to reset.
    reset_after = None if args.stateless else task.samples_per_sequence

    with Run("echo_partial.py", args) as run:  # seeds everything (--dry-run stops here)
        # Data: one fresh random sequence per epoch, framed into windows whose targets are their first items.
        rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras
        next_epoch = functools.partial(fresh_sequence, task, rng)  # called once per epoch for fresh data

        # Model: encoder LSTM(150) -> RepeatVector(2) -> decoder LSTM(150) -> TimeDistributed softmax
        # (--mask puts a Masking layer in front, --encoding linear a Dense(1) regression behind).
        model = run.loaded_or(models.echo_partial(args.batch_size, task.n_in, task.n_out, task.width, args.units,
                                              stateful=not args.stateless,
                                              mask_value=task.pad_value if task.mask else None,
                                              linear=task.encoding == "linear"))

        # Train: each epoch one fresh sequence, its 21 windows in one batch, then the state reset.
        # The updates are exactly those of the tutorial's model.fit(...); model.reset_states()
        # (training.tutorial_loop, which --loop plain runs), made many epochs per compiled call.
        # With a whole sequence in one batch, the reset comes before every batch: each window is
        # read from a zero state, and the stateful LSTMs never carry state from one batch to the
        # next. So it is in the tutorial: stateful=True only fixes the batch shape here
        # (--stateless drops it; a smaller --batch-size carries the state between a sequence's batches).
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
