"""Adding numbers as sequence to sequence: the question ' 3+10' in, the answer '13' out, as text.

Two ints in [1, 10] are written as a left-padded string, one-hot encoded character by character
(alphabet `0123456789+ `), and an LSTM(100) encoder -> RepeatVector -> LSTM(50) decoder ->
TimeDistributed(Dense softmax) spells the sum. 30 epochs of 1000 fresh samples, batch 10.
Flags go further: more digits and terms, other operators, held-out pairs (does it memorise?),
reversed questions, a decoder fed its own output, masking, integer inputs, and `--ask`.
"""

from __future__ import annotations

import random
import time

import numpy as np

from common import arithmetic, cli, encoding, reporting, schedules, seq2seq, session, training
from common.checks import MisuseError


def main(argv: list[str] | None = None) -> int:
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
    parser.add_argument("--ask", action="append", default=[], metavar="QUESTION",
                        help="a question such as '12+50' to answer after training (repeatable)")
    args = cli.parse_args(parser, argv)
    try:
        arithmetic.check_ops(args.ops)
    except ValueError as error:
        parser.error(f"--ops {args.ops!r}: {error}")
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    asked = []
    for question in args.ask:
        try:
            asked.append(arithmetic.parse_question(question, args.terms, args.largest, args.ops))
        except ValueError as error:
            parser.error(f"--ask: {error}")
    unseen = None  # every held-out question, when they are few enough to list
    if args.holdout:
        unseen = arithmetic.all_held_out(args.terms, args.largest, args.ops, args.holdout, args.seed)
    every_question = args.largest**args.terms * len(args.ops) ** (args.terms - 1)
    if unseen is not None and len(unseen) in (0, every_question):
        parser.error(f"--holdout {args.holdout} holds out {'none' if not len(unseen) else 'all'} of the "
                     f"{args.largest ** args.terms} operand tuples: change it or --largest")
    session.seed_everything(args.seed)
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    alphabet = encoding.make_alphabet(args.ops)
    in_width = arithmetic.question_width(args.terms, args.largest)
    out_width = arithmetic.answer_width(args.terms, args.largest, args.ops)

    def encode(questions: arithmetic.Questions):
        texts = arithmetic.format_questions(questions, in_width, args.reverse)
        return seq2seq.encode_text(texts, alphabet, args.encoding, zero_pad=args.mask)

    def draw(n: int, from_held_out: bool = False) -> arithmetic.Questions:
        return arithmetic.random_questions(n, args.terms, args.largest, args.ops, rng,
                                           args.holdout, args.seed, from_held_out)

    def written(answers: list[str]) -> list[str]:
        """The answers in the order the model writes them; the same call turns them back."""
        return [text[::-1] for text in answers] if args.reverse_answer else answers

    def next_epoch():
        questions = draw(args.examples)
        answers = written(arithmetic.format_answers(questions, out_width))
        x = seq2seq.training_inputs(encode(questions), answers, alphabet, args.encoding, args.decoder)
        return x, seq2seq.encode_text(answers, alphabet, "onehot")

    def answer(questions: arithmetic.Questions) -> list[str]:
        return written(seq2seq.answer(model, encode(questions), out_width, alphabet, args.encoding,
                                      args.decoder))

    # Define and train the model (or load one).
    history, train_seconds = None, None
    if args.load:
        model = session.load_model(args.load)
        reads = in_width + (out_width if args.decoder == "feedback" else 0)
        shapes = (tuple(model.inputs[0].shape[1:2]), tuple(model.outputs[0].shape[1:]))
        if shapes != ((reads,), (out_width, len(alphabet))):
            raise MisuseError(f"--load {args.load}: the model reads and writes {shapes}, these flags need "
                             f"{((reads,), (out_width, len(alphabet)))}: pass the flags it was trained with")
    else:
        model = seq2seq.build(in_width, out_width, len(alphabet), args.units, args.decoder_units,
                              args.decoder, args.encoding, args.mask)
        if args.decay:
            schedules.decay_learning_rate(model, args.epochs * args.examples // args.batch_size)
        if not args.quiet:
            model.summary()
        started = time.perf_counter()
        history = training.train(model, next_epoch, args.epochs, args.batch_size, metric="categorical",
                                 progress=not args.quiet, loop=args.loop)
        train_seconds = time.perf_counter() - started

    # Evaluate on fresh samples (from the trained tuples), and on the held-out ones apart.
    questions = draw(args.examples)
    expected = arithmetic.format_answers(questions, out_width)
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
        if unseen is None:  # too many to list: a sample of them
            unseen = draw(args.examples, from_held_out=True)
        unseen_expected = arithmetic.format_answers(unseen, out_width)
        metrics["holdout_exact_match"] = reporting.exact_match(unseen_expected, answer(unseen))
        print(f"Held out (never trained on): exact_match={metrics['holdout_exact_match']:.6f} "
              f"over {len(unseen)} questions")
    if asked:
        questions = arithmetic.Questions([q for a in asked for q in a.operands],
                                         [o for a in asked for o in a.operators],
                                         [r for a in asked for r in a.results])
        truths = arithmetic.format_answers(questions, out_width)
        marks = arithmetic.held_out(np.array(questions.operands), args.largest, args.holdout, args.seed)
        for text, truth, reply, was_held_out in zip(args.ask, truths, answer(questions), marks):
            note = " (held out: never trained on)" if was_held_out else ""
            print(f"Question={text}, Expected={truth.strip()}, Predicted={reply.strip()}{note}")
    if train_seconds is not None:
        print(f"Trained {args.epochs} epochs in {train_seconds:.1f} s")

    session.write_outputs(args, "addition_seq2seq.py", session.config_of(args), train_seconds,
                          metrics, history, model)
    return 0


if __name__ == "__main__":
    cli.run(main)
