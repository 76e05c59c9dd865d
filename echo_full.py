"""Echo a whole window of random integers with a stateful many-to-many LSTM.

Each epoch draws a fresh sequence of 25 ints in [0, 99], one-hot encodes it and frames it into the
21 complete windows of 5 (pandas `shift`, incomplete rows dropped); the target of each window is
the window itself. A stateful LSTM(20) with batch shape (7, 5, 100) -> TimeDistributed softmax
learns it in 500 epochs, state reset after each sequence. The tutorial shows one fresh sequence
(all 21 windows right); the summary here counts every window of `--eval-sequences` fresh ones.
"""

from __future__ import annotations

from common import cli, echo_experiment

TUTORIAL_BATCH = 7


def main(argv: list[str] | None = None) -> int:
    return echo_experiment.run("echo_full.py", __doc__.splitlines()[0], "full", epochs=500, units=20,
                               tutorial_batch=TUTORIAL_BATCH, argv=argv)


if __name__ == "__main__":
    cli.run(main)
