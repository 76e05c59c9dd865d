"""Echo the first 2 items of each window of random integers with a stateful encoder-decoder LSTM.

The data are the full echo's (a fresh 25-long sequence of ints in [0, 99] per epoch, one-hot, framed
into 21 windows of 5) but the target is each window's first 2 items: a different length from the
input, so an encoder LSTM(150) reads the window, RepeatVector(2) hands its summary to a decoder
LSTM(150), and a TimeDistributed softmax writes the items. Batch 21 makes one update per sequence,
5000 epochs, state reset after each sequence. The tutorial shows 20 of 21 windows right; the summary
here counts every window of `--eval-sequences` fresh sequences.
"""

from __future__ import annotations

from common import cli, echo_experiment

TUTORIAL_BATCH = None  # one batch of all 21 windows per sequence


def main(argv: list[str] | None = None) -> int:
    return echo_experiment.run("echo_partial.py", __doc__.splitlines()[0], "partial", epochs=5000, units=150,
                               tutorial_batch=TUTORIAL_BATCH, argv=argv)


if __name__ == "__main__":
    cli.run(main)
