"""addition_seq2seq.py's options, their checks, and the memory a run of them needs, side by side.

The question flags are checked by building the question space (`common/questions.py`), so a flag
and the space it describes can never disagree; `--ask` questions are read against that space.
"""

from __future__ import annotations

import argparse

from common import questions
from common.checks import MisuseError
from common.questions import QuestionSpace
from common.runtime import cli, resources


def _terms(text: str) -> int | questions.Terms:
    """argparse type: `3` (the count), or a range such as `2-4` (as (fewest, most))."""
    try:
        fewest, most = questions.parse_terms(text)
    except MisuseError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"--terms {text}: ")) from None
    return fewest if fewest == most else (fewest, most)


def parse(script: str, description: str, argv: list[str] | None, epochs: int, examples: int, batch_size: int,
          units: int, decoder_units: int) -> argparse.Namespace:
    """The settings, the tutorial's as defaults. Misuse ends the run here with one line, before
    anything is built: the question flags are checked by building the question space they describe,
    and `--ask` by reading each question against it."""
    parser = cli.make_parser(script, description, epochs=epochs)
    group = parser.add_argument_group("question options")
    group.add_argument("--largest", type=cli.positive_int, default=10, help="largest operand")
    group.add_argument("--terms", type=_terms, default=2,
                       help="how many numbers per question: a count, or a range such as 2-4, drawn "
                            "uniformly per question and padded to the widest")
    group.add_argument("--ops", default="+", help="operators to draw from, any of '+-*'")
    group.add_argument("--brackets", action="store_true",
                       help="bracket the numbers, as in (3+10)*2: every placement of pairs equally likely "
                            "(needs questions of 3 or more numbers)")
    group.add_argument("--holdout", type=cli.fraction, default=0.0,
                       help="fraction never trained on, evaluated apart: operand tuples, or with --brackets "
                            "whole questions")
    group.add_argument("--split-seed", type=cli.seed, default=1,
                       help="which questions --holdout holds out (kept apart from --seed, so runs on several "
                            "seeds hold out the same questions)")
    group.add_argument("--ask", action="append", default=[], metavar="QUESTION",
                       help="a question such as '12+50' to answer after training (repeatable)")
    model = parser.add_argument_group("model and training options")
    model.add_argument("--examples", type=cli.positive_int, default=examples,
                       help="fresh training samples per epoch, and evaluation samples")
    model.add_argument("--batch-size", type=cli.positive_int, default=batch_size, help="batch size")
    model.add_argument("--units", type=cli.positive_int, default=units, help="encoder LSTM units")
    model.add_argument("--decoder-units", type=cli.positive_int, default=decoder_units,
                       help="decoder LSTM units (repeat decoder; feedback uses --units)")
    model.add_argument("--decoder", choices=questions.DECODERS, default="repeat",
                       help="repeat: the tutorial's RepeatVector; feedback: fed its previous character")
    model.add_argument("--encoding", choices=questions.ENCODINGS, default="onehot",
                       help="onehot: the tutorial's; integer: character indices through an Embedding")
    model.add_argument("--mask", action="store_true", help="mask the padding of the questions")
    model.add_argument("--reverse", action="store_true", help="feed each question reversed")
    model.add_argument("--reverse-answer", action="store_true",
                       help="the model writes the answer last digit first (printed the right way round), "
                            "so each digit follows the ones the carry comes from")
    cli.add_decay_option(model, "It helps long runs only (three-digit addition)")
    args = cli.parse_args(parser, argv)

    try:
        space = QuestionSpace(args.terms, args.largest, args.ops, args.holdout, args.split_seed, args.brackets)
    except MisuseError as error:
        parser.error(str(error))
    try:
        space.parse(args.ask)
    except MisuseError as error:
        parser.error(f"--ask: {error}")
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    args.memory = resources.require_fits(
        memory_need(space, args.examples, args.epochs, args.batch_size, args.units, args.decoder_units, args.decoder),
        "--examples, --terms, --largest, --ops, --brackets, --units, --decoder-units and --batch-size")
    held = space.held_out_units() if args.holdout else None
    if args.holdout and held is None:  # too many to count: what the hash's fraction makes of them
        held = round(args.holdout * space.units)
    if held in (0, space.units):
        units = "questions" if args.brackets else "operand tuples"
        parser.error(f"--holdout {args.holdout} holds out {'none' if not held else 'all'} of the "
                     f"{space.units} {units}: change it, --split-seed or --largest")
    return args


def memory_need(space: QuestionSpace, examples: int, epochs: int, batch_size: int, units: int,
                decoder_units: int, decoder: str) -> resources.Need:
    """What a run of these settings holds at once, at most (`resources.require_fits` checks it)."""
    chars = len(space.alphabet)
    in_width, out_width = space.question_width, space.answer_width
    reads = in_width + (out_width if decoder == "feedback" else 0)
    widest = max(units, decoder_units)
    # The held-out questions, evaluated all at once: every one when they can be listed, else a sample.
    held = round(space.holdout * space.size) if space.size <= questions.MAX_ENUMERATED else examples
    return resources.Need(
        array_floats=resources.stream_floats(examples * (reads + out_width) * chars, epochs, examples // batch_size)
        + held * (reads + out_width) * chars,
        parameters=resources.lstm_parameters(units, chars) + resources.lstm_parameters(widest, units)
        + resources.dense_parameters(chars, widest),
        recurrent_floats=resources.recurrent_floats(batch_size, in_width, units)
        + resources.recurrent_floats(batch_size, out_width, widest),
        python_items=(examples + held) * (space.terms[1] + 2),
    )
