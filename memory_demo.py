"""Memory across time steps: predict the last item of `3,0,1,2,3` / `4,0,1,2,4` from the first.

Each sequence becomes (x_t -> x_t+1) one-hot pairs, one time step per sample. A stateful LSTM(20)
with batch shape (1, 1, 5) -> Dense(5, sigmoid), binary cross-entropy, fits sequence 1 then
sequence 2 each epoch for 250 epochs, state reset after each. Steps 1-3 are the same in both
sequences; the last (2 -> 3 or 2 -> 4) needs the memory of the first item, three steps back.

Honest note: fitted one time step per batch, the gradient never reaches the step that saw the first
item, so whether the LSTM remembers is luck (`--trials N` counts the seeds that solve it).
`--formulation full-bptt` trains a stateless LSTM over whole sequences, so the last step's error
reaches the first; `--formulation long-lag` adds what it takes at lags of 100 and more (see
`memory.full_bptt_model`).
Solved means every step right and each last step's right item ahead of the other by a margin.
What reproduces at which lag, on how many seeds: docs/memory_demo.md.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

from common import cli, experiment, memory, models, plotting, reporting, resources, session, training

import keras  # noqa: E402  (after common, which prepares the backend before Keras loads it)


def arguments() -> argparse.ArgumentParser:
    """The tutorial's settings as defaults; each variant (formulation, lag, model size) a flag."""
    parser = cli.make_parser("memory_demo.py", __doc__.splitlines()[0], epochs=250)
    parser.add_argument("--lag", type=cli.positive_int, default=3,
                        help="K: the sequences are [K, 0..K-1, K] and [K+1, 0..K-1, K+1]")
    parser.add_argument("--alphabet", type=cli.positive_int, default=None,
                        help="one-hot width (default K+2: every symbol used)")
    parser.add_argument("--random-sequences", action="store_true",
                        help="draw the two first/last symbols (distinct) and the shared middle at random")
    parser.add_argument("--shuffle", action="store_true",
                        help="present the two sequences in a random order each epoch")
    parser.add_argument("--batch-size", type=int, choices=(1, 2), default=1,
                        help="1: one sequence at a time (the tutorial); 2: both side by side per batch")
    parser.add_argument("--formulation", choices=memory.FORMULATIONS, default="tutorial",
                        help="tutorial: the stateful LSTM, one time step per batch; full-bptt: a stateless "
                             "LSTM over each whole sequence, a prediction at every step; long-lag: full-bptt "
                             "with softmax outputs, the last step weighted as much as all the others, a "
                             "forget-gate bias keeping half a cell over the lag (at least 5), and Adam at "
                             f"{memory.LONG_LAG_LEARNING_RATE} with each update's gradient norm clipped to "
                             f"{memory.LONG_LAG_CLIPNORM} (see docs/memory_demo.md)")
    parser.add_argument("--last-step-share", type=float, default=memory.LAST_STEP_SHARE,
                        help="with --formulation long-lag: the last step's share of the loss, in (0, 1) "
                             "(0.5: as much as all the other steps together)")
    parser.add_argument("--memory-units", type=cli.positive_int, default=None,
                        help="with --formulation long-lag: only this many units get the long forget-gate bias, and an "
                             "input gate mostly closed; the others keep Keras's (default: every unit "
                             "gets the forget bias)")
    parser.add_argument("--shortcut", type=cli.positive_int, default=None, metavar="N",
                        help="with --formulation long-lag: the output layer also sees each step's input through "
                             "a Dense(N) projection, so the next-item steps need no LSTM cell, and the input "
                             "gates start almost closed (bias "
                             f"{memory.SHORTCUT_INPUT_GATE_BIAS:g}; only the memory units' with --memory-units)")
    parser.add_argument("--units", type=cli.positive_int, default=20, help="LSTM units")
    parser.add_argument("--trials", type=cli.positive_int, default=1,
                        help="train on seeds SEED..SEED+TRIALS-1 and count how many solve it")
    parser.add_argument("--plot-memory", metavar="PATH", type=Path,
                        help="write the (first) model's cell states step by step for both sequences, "
                             "and the gap between them, as PNG: the memory kept across the lag")
    return parser


def run_trial(args: argparse.Namespace, task: memory.MemoryTask, seed: int,
              first: bool) -> tuple[experiment.Trained, dict, np.ndarray | None]:
    """Train one model from `seed` and score it; the first trial also prints the tutorial's table.

    Returns the trained model, its result, and (with --plot-memory, first trial) its cell states.
    """
    bptt, long_lag = memory.BPTT_OF[args.formulation], args.formulation == "long-lag"
    resets = memory.sequence_samples(task, args.batch_size, bptt)
    session.seed_everything(seed)

    # Data: the two sequences as (x_t -> x_t+1) one-hot pairs, in order (or shuffled) each epoch.
    rng = random.Random(seed)  # data (random sequences, shuffled order), untouched by Keras
    sequences = memory.draw_sequences(task, rng)
    pairs = memory.step_pairs(task, sequences)
    in_order = list(range(len(pairs)))

    def next_epoch() -> tuple[np.ndarray, np.ndarray]:
        order = rng.sample(in_order, len(in_order)) if args.shuffle else in_order
        return memory.arrange(pairs, order, args.batch_size, bptt)

    # Model: the tutorial's stateful LSTM fed one step per batch, or (full-bptt, long-lag) a stateless one
    # over each whole sequence (with --shortcut, the input also goes straight to the output layer).
    def build() -> keras.Model:
        if bptt == "step":
            return models.memory_stateful(args.batch_size, task.width, args.units)
        return memory.full_bptt_model(task.steps, task.width, args.units, long_lag,
                                      args.last_step_share, args.memory_units, args.shortcut)

    # Train: sequence 1 then sequence 2 each epoch, the state reset after each.
    def train(model: keras.Model) -> training.History:
        return training.train(model, next_epoch, args.epochs, args.batch_size, resets,
                              progress=not args.quiet, loop=args.loop)

    trained = experiment.train_or_load("memory_demo.py", build, train, args.load, summary=not args.quiet and first)

    # Evaluate: predict each sequence from a reset state; classes are the argmax, as predict_classes did.
    x, _ = memory.arrange(pairs, in_order, args.batch_size, bptt)
    outputs = memory.unarrange(training.predict(trained.model, x, args.batch_size, resets), in_order,
                               task.steps, args.batch_size, bptt)
    result = dict(memory.score(sequences, outputs), seed=seed, train_seconds=trained.seconds)
    states = None
    if first:
        if args.plot_memory is not None:  # both sequences side by side, from a zero state
            states = memory.cell_states(trained.model, memory.arrange(pairs, in_order, 2, "full")[0])
        for number, (sequence, classes) in enumerate(zip(sequences, outputs.argmax(axis=-1)), start=1):
            print(f"Sequence {number}")
            for row in reporting.ends_of(
                    [reporting.step_row(sequence[t], sequence[t + 1], classes[t]) for t in range(task.steps)]):
                print(row)
    last = ", ".join(f"{'right' if ok else 'wrong'} (margin {margin:+.2f})"
                     for ok, margin in zip(result["last_steps_correct"], result["last_step_margins"]))
    print(f"Seed {seed}: {result['correct_steps']}/{result['total_steps']} steps right, "
          f"last steps {last}: {'solved' if result['solved'] else 'NOT solved'}"
          + (f" (trained in {trained.seconds:.1f} s)" if trained.seconds is not None else ""))
    return trained, result, states


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = cli.parse_args(parser, argv)
    cli.check_picture_path(parser, args, "--plot-memory")
    if args.trials > 1 and (args.load or args.save):
        parser.error("--load and --save work with one model: use --trials 1")
    try:
        memory.check_long_lag_options(args.units, args.formulation == "long-lag", args.last_step_share,
                                      args.memory_units, args.shortcut)
        task = memory.MemoryTask(args.lag, args.alphabet, args.random_sequences)
    except ValueError as error:
        parser.error(str(error))
    resources.require_fits(memory.memory_need(task, args.batch_size, memory.BPTT_OF[args.formulation], args.units,
                                              args.epochs, args.shortcut),
                           "--lag, --alphabet, --units and --shortcut")

    first, results, first_states = None, [], None
    for seed in range(args.seed, args.seed + args.trials):
        trained, result, states = run_trial(args, task, seed, first=first is None)
        if first is None:
            first, first_states = trained, states
        results.append(result)

    solved = sum(r["solved"] for r in results)
    print(f"Solved {solved} of {args.trials} trials (every step of both sequences right, and each last "
          f"step's right item ahead of the other sequence's by at least {memory.SOLVED_MARGIN})")
    metrics = {key: results[0][key]
               for key in ("correct_steps", "total_steps", "last_steps_correct", "last_step_margins", "solved")}
    metrics.update(solved_trials=solved, trials=args.trials, per_trial=results)
    train_seconds = None if args.load else sum(r["train_seconds"] for r in results)
    pictures = {}
    if args.plot_memory is not None:
        pictures[args.plot_memory] = lambda path: plotting.plot_cell_states(
            first_states, memory.units_to_show(first_states, args.memory_units), path,
            f"memory_demo.py, lag {args.lag}")
    session.write_outputs(args, "memory_demo.py", session.config_of(args), train_seconds, metrics,
                          first.history, first.model, pictures)
    return 0


if __name__ == "__main__":
    cli.run(main)
