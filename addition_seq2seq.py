"""Adding numbers as sequence to sequence: the question ' 3+10' in, the answer '13' out, as text.

Two ints in [1, 10] are written as a left-padded string, one-hot encoded character by character
(alphabet `0123456789+ `), and an LSTM(100) encoder -> RepeatVector -> LSTM(50) decoder ->
TimeDistributed(Dense softmax) spells the sum. 30 epochs of 1000 fresh samples, batch 10.
Flags go further: more digits and terms, other operators, held-out pairs (does it memorise?),
reversed questions, a decoder fed its own output, masking, integer inputs, and `--ask`.
"""

from __future__ import annotations

import argparse
import random

from common import cli, encoding, experiment, models, reporting, resources, schedules, seq2seq, training


def arguments() -> cli.ArgumentParser:
    """The shared options, then this tutorial's; every default is the tutorial's."""
    parser = cli.make_parser("addition_seq2seq.py", __doc__.splitlines()[0], epochs=30)
    parser.add_argument("--largest", type=cli.positive_int, default=10, help="largest operand")
    parser.add_argument("--terms", type=cli.positive_int, default=2, help="how many numbers per question")
    parser.add_argument("--ops", default="+", help="operators to draw from, any of '+-*'")
    parser.add_argument("--examples", type=cli.positive_int, default=1000,
                        help="fresh training samples per epoch, and evaluation samples")
    parser.add_argument("--batch-size", type=cli.positive_int, default=10, help="batch size")
    parser.add_argument("--units", type=cli.positive_int, default=100, help="encoder LSTM units")
    parser.add_argument("--decoder-units", type=cli.positive_int, default=50,
                        help="decoder LSTM units (repeat decoder; feedback uses --units)")
    parser.add_argument("--decoder", choices=seq2seq.DECODERS, default="repeat",
                        help="repeat: the tutorial's RepeatVector; feedback: fed its previous character")
    parser.add_argument("--encoding", choices=seq2seq.ENCODINGS, default="onehot",
                        help="onehot: the tutorial's; integer: character indices through an Embedding")
    parser.add_argument("--mask", action="store_true", help="mask the padding of the questions")
    parser.add_argument("--reverse", action="store_true", help="feed each question reversed")
    cli.add_decay_option(parser, "It helps long runs only (three-digit addition)")
    parser.add_argument("--reverse-answer", action="store_true",
                        help="the model writes the answer last digit first (printed the right way "
                             "round), so each digit follows the ones the carry comes from")
    parser.add_argument("--holdout", type=cli.fraction, default=0.0,
                        help="fraction of distinct operand tuples never trained on, evaluated apart")
    parser.add_argument("--split-seed", type=cli.seed, default=1,
                        help="which operand tuples --holdout holds out (kept apart from --seed, so runs "
                             "on several seeds hold out the same questions)")
    parser.add_argument("--ask", action="append", default=[], metavar="QUESTION",
                        help="a question such as '12+50' to answer after training (repeatable)")
    return parser


def checked_questions(parser: cli.ArgumentParser, args: argparse.Namespace
                      ) -> tuple[seq2seq.QuestionSpace, seq2seq.Questions, seq2seq.Questions | None]:
    """The question space the flags describe, the `--ask` questions, and every held-out question
    (None when there are too many to list, or none are held out). A bad question flag, batch size
    or memory need ends the run here with one line, before anything is built."""
    try:
        space = seq2seq.QuestionSpace(args.terms, args.largest, args.ops, args.holdout, args.split_seed)
    except ValueError as error:
        parser.error(str(error))
    try:
        asked = space.parse(args.ask)
    except ValueError as error:
        parser.error(f"--ask: {error}")
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    resources.require_fits(seq2seq.memory_need(space, args.examples, args.epochs, args.batch_size, args.units,
                                               args.decoder_units, args.decoder),
                           "--examples, --terms, --largest, --units, --decoder-units and --batch-size")
    held_out = space.all_held_out() if args.holdout else None
    if held_out is not None and len(held_out) in (0, space.size):
        parser.error(f"--holdout {args.holdout} holds out {'none' if not len(held_out) else 'all'} of the "
                     f"{args.largest ** args.terms} operand tuples: change it, --split-seed or --largest")
    return space, asked, held_out


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = cli.parse_args(parser, argv)
    space, asked, held_out = checked_questions(parser, args)
    alphabet = encoding.make_alphabet(args.ops)
    in_width, out_width = space.question_width, space.answer_width

    # Data: questions such as ' 3+10' and answers such as '13 ', padded to fixed widths, one-hot
    # encoded character by character; fresh samples each epoch.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def draw(n: int, from_held_out: bool = False) -> seq2seq.Questions:
        return space.draw(n, rng, from_held_out)

    def encode(questions: seq2seq.Questions):
        texts = seq2seq.format_questions(questions, in_width, args.reverse)
        return seq2seq.encode_text(texts, alphabet, args.encoding, zero_pad=args.mask)

    def written(answers: list[str]) -> list[str]:
        """The answers in the order the model writes them; the same call turns them back."""
        return [text[::-1] for text in answers] if args.reverse_answer else answers

    def next_epoch():
        questions = draw(args.examples)
        answers = written(seq2seq.format_answers(questions, out_width))
        x = seq2seq.training_inputs(encode(questions), answers, alphabet, args.encoding, args.decoder)
        return x, seq2seq.encode_text(answers, alphabet, "onehot")

    # Model: LSTM(100) encoder -> RepeatVector -> LSTM(50) decoder -> TimeDistributed(Dense softmax);
    # --decoder feedback feeds the decoder the previous answer character instead.
    def build():
        if args.decoder == "repeat":
            model = models.seq2seq_repeat(in_width, out_width, len(alphabet), args.units, args.decoder_units,
                                          args.encoding, args.mask)
        else:
            model = models.seq2seq_feedback(in_width, out_width, len(alphabet), args.units, args.encoding,
                                            args.mask)
        if args.decay:
            schedules.decay_learning_rate(model, args.epochs * args.examples // args.batch_size)
        return model

    # Train: the tutorial's epochs of fresh samples, in batches of --batch-size.
    def train(model):
        return training.train(model, next_epoch, args.epochs, args.batch_size, metric="categorical",
                              progress=not args.quiet, loop=args.loop)

    # Evaluate on fresh samples (from the trained tuples), on the held-out ones apart, and --ask.
    def evaluate(model):
        def answer(questions: seq2seq.Questions) -> list[str]:
            return written(seq2seq.answer(model, encode(questions), out_width, alphabet, args.encoding,
                                          args.decoder))

        questions = draw(args.examples)
        expected = seq2seq.format_answers(questions, out_width)
        predicted = answer(questions)
        metrics = {
            "exact_match": reporting.exact_match(expected, predicted),
            "char_accuracy": reporting.element_accuracy([list(e) for e in expected],
                                                        [list(p) for p in predicted]),
        }
        for row in reporting.first_rows([reporting.string_row(e, p) for e, p in zip(expected, predicted)]):
            print(row)
        print(reporting.summary_line(metrics, len(expected)))
        if args.holdout:
            unseen = held_out if held_out is not None else draw(args.examples, from_held_out=True)
            unseen_expected = seq2seq.format_answers(unseen, out_width)
            metrics["holdout_exact_match"] = reporting.exact_match(unseen_expected, answer(unseen))
            print(f"Held out (never trained on): exact_match={metrics['holdout_exact_match']:.6f} "
                  f"over {len(unseen)} questions")
        if args.ask:
            truths = seq2seq.format_answers(asked, out_width)
            for text, truth, reply, was_held_out in zip(args.ask, truths, answer(asked), space.is_held_out(asked)):
                note = " (held out: never trained on)" if was_held_out else ""
                print(f"Question={text}, Expected={truth.strip()}, Predicted={reply.strip()}{note}")
        return metrics

    return experiment.run(args, "addition_seq2seq.py", build, train, evaluate)


if __name__ == "__main__":
    cli.run(main)
