"""Adding numbers as sequence to sequence: the question ' 3+10' in, the answer '13' out, as text.

Two ints in [1, 10] are written as a left-padded string, one-hot encoded character by character
(alphabet `0123456789+ `), and an LSTM(100) encoder -> RepeatVector -> LSTM(50) decoder ->
TimeDistributed(Dense softmax) spells the sum. 30 epochs of 1000 fresh samples, batch 10.
Flags carry the tutorial's extensions further: more digits, a number of terms fixed or drawn per
question (`--terms 2-4`), other operators, brackets, integer inputs; and held-out questions (does
it memorise?), reversed questions and answers, a decoder fed its own output, masking, `--ask`.
What reproduces, with which settings: docs/addition_seq2seq.md.
"""

from __future__ import annotations

import argparse
import functools
import random

from common.runtime.startup import prepare_backend

prepare_backend()  # before Keras loads: checks KERAS_BACKEND, keeps TensorFlow's start-up log quiet

import keras  # noqa: E402
import numpy as np  # noqa: E402

from common import models, questions, schedules, training  # noqa: E402
from common.questions import Questions, QuestionSpace  # noqa: E402
from common.runtime import cli  # noqa: E402
from common.runtime.options import seq2seq as seq2seq_options  # noqa: E402
from common.runtime.run import Run, summary_line  # noqa: E402

# The tutorial's settings; each is a flag (python3 addition_seq2seq.py --help shows them all).
EPOCHS = 30
EXAMPLES = 1000  # fresh questions per epoch, and as many to evaluate on
BATCH_SIZE = 10
UNITS = 100  # the encoder's
DECODER_UNITS = 50


def model_input(batch: Questions, space: QuestionSpace, args: argparse.Namespace) -> np.ndarray:
    """Questions as the model reads them: left-padded text (reversed with --reverse), encoded per character."""
    texts = questions.format_questions(batch, space.question_width, args.reverse)
    return questions.encode_text(texts, space.alphabet, args.encoding, zero_pad=args.mask)


def in_writing_order(answers: list[str], args: argparse.Namespace) -> list[str]:
    """The answers in the order the model writes them (--reverse-answer: last digit first); the same
    call turns the model's back."""
    return [text[::-1] for text in answers] if args.reverse_answer else answers


def fresh_examples(space: QuestionSpace, args: argparse.Namespace, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """One tutorial epoch's data: `--examples` fresh questions (never a held-out one), and their
    answers one-hot, in the order the model writes them."""
    batch = space.draw(args.examples, rng)
    answers = in_writing_order(questions.format_answers(batch, space.answer_width), args)
    x = questions.training_inputs(model_input(batch, space, args), answers, space.alphabet, args.encoding, args.decoder)
    return x, questions.encode_text(answers, space.alphabet, "onehot")


def model_answers(model: keras.Model, batch: Questions, space: QuestionSpace, args: argparse.Namespace) -> list[str]:
    """The model's answers to `batch`, the right way round."""
    written = questions.answer(model, model_input(batch, space, args), space.answer_width, space.alphabet,
                             args.encoding, args.decoder)
    return in_writing_order(written, args)


def main(argv: list[str] | None = None) -> int:
    args = seq2seq_options.parse("addition_seq2seq.py", __doc__.splitlines()[0], argv, EPOCHS, EXAMPLES, BATCH_SIZE,
                                 UNITS, DECODER_UNITS)
    # The questions the model learns and is tested on: how many numbers, how large, which operators,
    # brackets or not, and which questions are held out of training.
    space = QuestionSpace(args.terms, args.largest, args.ops, args.holdout, args.split_seed, args.brackets)
    several_counts = space.terms[0] < space.terms[1]

    with Run("addition_seq2seq.py", args) as run:  # seeds everything (--dry-run stops here)
        # Data: questions such as ' 3+10' and answers such as '13 ', padded to fixed widths, encoded
        # character by character; fresh questions each epoch (never a held-out one).
        rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras
        next_epoch = functools.partial(fresh_examples, space, args, rng)  # called once per epoch for fresh data

        # Model: LSTM(100) encoder -> RepeatVector -> LSTM(50) decoder -> TimeDistributed(Dense softmax);
        # --decoder feedback feeds the decoder the previous answer character instead of the repeated summary.
        if args.decoder == "repeat":
            built = models.seq2seq_repeat(space.question_width, space.answer_width, len(space.alphabet), args.units,
                                          args.decoder_units, args.encoding, args.mask)
        else:
            built = models.seq2seq_feedback(space.question_width, space.answer_width, len(space.alphabet),
                                            args.units, args.encoding, args.mask)
        model = run.loaded_or(built)

        # Train: the tutorial's epochs of fresh questions, in batches of --batch-size, made many epochs
        # per compiled call: the same number and size of updates on the same data as the tutorial's
        # one model.fit per epoch, the batches in the order drawn instead of fit's shuffled order
        # (exactly the updates of training.tutorial_loop, the unshuffled fit that --loop plain runs).
        if run.training:  # no --load model given
            if args.decay:  # Adam's rate decayed to 0 over the run's updates, not constant
                schedules.decay_learning_rate(model, args.epochs * args.examples // args.batch_size)
            history = training.train(model, next_epoch, epochs=args.epochs, batch_size=args.batch_size,
                                     metric="categorical", progress=not args.quiet, loop=args.loop)
            # Keras's accuracy counts characters right; the summary's exact_match counts whole answers.
            history.accuracy_label = "per-character accuracy"
            run.trained(history)

        # Evaluate on fresh questions: the tutorial's first rows, then the summary over all of them
        # (and per number of terms when it varies); the held-out questions apart; then --ask.
        test = space.draw(args.examples, rng)
        expected = questions.format_answers(test, space.answer_width)
        predicted = model_answers(model, test, space, args)
        metrics = {
            "exact_match": questions.exact_match(expected, predicted),
            "char_accuracy": questions.char_accuracy(expected, predicted),
        }
        for e, p in zip(expected[:20], predicted):
            print(f"Expected={e}, Predicted={p}")
        print(summary_line(metrics, len(expected)))
        if several_counts:
            by_terms = questions.exact_match_by_terms(test.term_counts, expected, predicted)
            metrics["exact_match_by_terms"] = {str(count): score for count, score in by_terms.items()}
            print(questions.by_terms_line("Exact match by number of terms", by_terms, test.term_counts))

        if args.holdout:
            # Every held-out question, or a sample of them when there are too many to list.
            unseen = space.all_held_out() or space.draw(args.examples, rng, from_held_out=True)
            unseen_expected = questions.format_answers(unseen, space.answer_width)
            unseen_predicted = model_answers(model, unseen, space, args)
            metrics["holdout_exact_match"] = questions.exact_match(unseen_expected, unseen_predicted)
            print(f"Held out (never trained on): exact_match={metrics['holdout_exact_match']:.6f} "
                  f"over {len(unseen)} questions")
            if several_counts:
                by_terms = questions.exact_match_by_terms(unseen.term_counts, unseen_expected, unseen_predicted)
                metrics["holdout_exact_match_by_terms"] = {str(count): score for count, score in by_terms.items()}
                print(questions.by_terms_line("Held out by number of terms", by_terms, unseen.term_counts))

        if args.ask:
            asked = space.parse(args.ask)
            truths = questions.format_answers(asked, space.answer_width)
            replies = model_answers(model, asked, space, args)
            for text, truth, reply, was_held_out in zip(args.ask, truths, replies, space.is_held_out(asked)):
                note = " (held out: never trained on)" if was_held_out else ""
                print(f"Question={text}, Expected={truth.strip()}, Predicted={reply.strip()}{note}")
        run.finish(metrics, model)  # writes --json, --plot, --tensorboard, --save, all or nothing
    return 0


if __name__ == "__main__":
    cli.run(main)
