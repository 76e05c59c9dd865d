"""Memory across time steps: predict the last item of `3,0,1,2,3` / `4,0,1,2,4` from the first.

Each sequence becomes (x_t -> x_t+1) one-hot pairs, one time step per sample. A stateful LSTM(20)
with batch shape (1, 1, 5) -> Dense(5, sigmoid), binary cross-entropy, fits sequence 1 then
sequence 2 each epoch for 250 epochs, state reset after each. Steps 1-3 are the same in both
sequences; the last (2 -> 3 or 2 -> 4) needs the memory of the first item, three steps back.

Honest note: fitted one time step per batch, the gradient never reaches the step that saw the first
item, so whether the LSTM remembers is luck (`--trials N` counts the seeds that solve it).
`--formulation full-bptt` trains a stateless LSTM over whole sequences, so the last step's error
reaches the first; `--formulation long-lag` adds what it takes at lags of 100 and more (see
`models.memory_full_bptt`).
Solved means every step right and each last step's right item ahead of the other by a margin.
What reproduces at which lag, on how many seeds: docs/memory_demo.md.
"""

from __future__ import annotations

import argparse
import functools
import random

import numpy as np

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

import keras  # noqa: E402

from common import memory, models, plotting, training  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import memory_demo as memory_options  # noqa: E402
from common.runtime.run import Run, seed_everything  # noqa: E402

# The tutorial's settings; each is a flag (python3 memory_demo.py --help shows them all).
EPOCHS = 250  # each epoch: sequence 1, then sequence 2
BATCH_SIZE = 1  # one sequence at a time, one time step per batch
UNITS = 20


def epoch_of(pairs: list[tuple[np.ndarray, np.ndarray]], shuffle: bool, batch_size: int, bptt: str,
             rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """One tutorial epoch: both sequences' pairs in order (--shuffle: the sequences in a random order),
    laid out in batches as the model reads them."""
    order = rng.sample(range(len(pairs)), len(pairs)) if shuffle else list(range(len(pairs)))
    return memory.arrange(pairs, order, batch_size, bptt)


def train_and_score(run: Run, args: argparse.Namespace, task: memory.MemoryTask, seed: int,
                    first: bool) -> tuple[keras.Model, dict, np.ndarray | None]:
    """One trial: a model trained from `seed` and scored; the first also prints the tutorial's table.

    Returns the model, its result, and (with --plot-memory, first trial) its cell states.
    """
    seed_everything(seed)  # each trial starts as a run with --seed `seed` would
    bptt = memory.BPTT_OF[args.formulation]  # step: one time step per batch; full: whole sequences
    # The stateful LSTM's state is reset after each sequence; a stateless one has no state to reset.
    reset_after = memory.sequence_samples(task, args.batch_size, bptt)

    # Data: the two sequences as (x_t -> x_t+1) one-hot pairs, in order (or shuffled) each epoch.
    rng = random.Random(seed)  # the data's stream (random sequences, shuffled order), untouched by Keras
    sequences = memory.draw_sequences(task, rng)
    pairs = memory.step_pairs(task, sequences)
    in_order = list(range(len(pairs)))
    next_epoch = functools.partial(epoch_of, pairs, args.shuffle, args.batch_size, bptt, rng)  # called once per epoch

    # Model: the tutorial's stateful LSTM(20) -> Dense(5, sigmoid), fed one time step per batch; or
    # (full-bptt, long-lag) a stateless LSTM over each whole sequence (with --shortcut, the input also
    # goes straight to the output layer).
    if bptt == "step":
        built = models.memory_stateful(args.batch_size, task.width, args.units)
    else:
        built = models.memory_full_bptt(task.steps, task.width, args.units, args.formulation == "long-lag",
                                        args.last_step_share, args.memory_units, args.shortcut)
    model = run.loaded_or(built, summary=first)

    # Train: sequence 1 then sequence 2 each epoch, the state reset after each. The updates are
    # exactly those of the tutorial's model.fit(...); model.reset_states() (training.tutorial_loop,
    # which --loop plain runs), made many epochs per compiled call.
    history = None
    if run.training:  # no --load model given
        history = training.train(model, next_epoch, epochs=args.epochs, batch_size=args.batch_size,
                                 reset_after=reset_after, progress=not args.quiet, loop=args.loop)
        run.trained(history)

    # Evaluate: predict each sequence from a reset state; classes are the argmax, as predict_classes did.
    x, _ = memory.arrange(pairs, in_order, args.batch_size, bptt)
    outputs = memory.unarrange(training.predict(model, x, args.batch_size, reset_after), in_order,
                               task.steps, args.batch_size, bptt)
    result = dict(memory.score(sequences, outputs), seed=seed,
                  train_seconds=history.seconds if history is not None else None)
    states = None
    if first:
        if args.plot_memory is not None:  # both sequences side by side, from a zero state
            states = memory.cell_states(model, memory.arrange(pairs, in_order, 2, "full")[0])
        for number, (sequence, classes) in enumerate(zip(sequences, outputs.argmax(axis=-1)), start=1):
            print(f"Sequence {number}")
            for row in memory.ends_of(
                    [memory.step_row(sequence[t], sequence[t + 1], classes[t]) for t in range(task.steps)]):
                print(row)
    last = ", ".join(f"{'right' if ok else 'wrong'} (margin {margin:+.2f})"
                     for ok, margin in zip(result["last_steps_correct"], result["last_step_margins"]))
    print(f"Seed {seed}: {result['correct_steps']}/{result['total_steps']} steps right, "
          f"last steps {last}: {'solved' if result['solved'] else 'NOT solved'}")
    return model, result, states


def main(argv: list[str] | None = None) -> int:
    args = memory_options.parse("memory_demo.py", __doc__.splitlines()[0], argv, EPOCHS, UNITS, BATCH_SIZE)
    task = memory.MemoryTask(args.lag, args.alphabet, args.random_sequences)

    with Run("memory_demo.py", args) as run:  # seeds everything (--dry-run stops here)
        # One model per seed, SEED..SEED+TRIALS-1 (--trials); the first one is shown and saved.
        results, first_model, first_states = [], None, None
        for seed in range(args.seed, args.seed + args.trials):
            model, result, states = train_and_score(run, args, task, seed, first=first_model is None)
            if first_model is None:
                first_model, first_states = model, states
            results.append(result)

        # Evaluate over the trials: how many seeds solve it; the first trial's figures head the metrics.
        solved = sum(result["solved"] for result in results)
        print(f"Solved {solved} of {args.trials} trials (every step of both sequences right, and each last "
              f"step's right item ahead of the other sequence's by at least {memory.SOLVED_MARGIN})")
        metrics = {key: results[0][key]
                   for key in ("correct_steps", "total_steps", "last_steps_correct", "last_step_margins", "solved")}
        metrics.update(solved_trials=solved, trials=args.trials, per_trial=results)
        pictures = {}
        if args.plot_memory is not None:  # the first model's cell states, step by step, for both sequences
            units = memory.units_to_show(first_states, args.memory_units)
            pictures[args.plot_memory] = functools.partial(plotting.plot_cell_states, first_states, units,
                                                           title=f"memory_demo.py, lag {args.lag}")
        run.finish(metrics, first_model, pictures)  # writes every output asked for, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
