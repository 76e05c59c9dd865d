"""Questions through the models' encodings, held-out tuples and the feedback decoder, without training."""

import random

import numpy as np
import pytest

from common import models, questions, sums
from common.runtime.run import seed_everything
from conftest import extended


def test_plus_only_without_holdout_is_exactly_random_sum_pairs():
    ours = questions.random_questions(50, 3, 99, "+", random.Random(7))
    theirs = sums.random_sum_pairs(50, 3, 99, random.Random(7))
    assert (ours.operands, ours.results) == (theirs[0], theirs[1])


@pytest.mark.parametrize("operands, operators, value", [
    ([2, 3, 4], ["+", "*"], 14), ([2, 3, 4], ["*", "+"], 10), ([10, 2, 3, 1], ["-", "*", "-"], 3),
    ([5, 9], ["-"], -4), ([7], [], 7), ([3, 4, 5], ["*", "*"], 60), ([1, 9, 9], ["-", "*"], -80),
])
def test_evaluate_follows_the_usual_precedence(operands, operators, value):
    assert questions.evaluate(operands, operators) == value


@pytest.mark.parametrize("terms, largest, ops", [
    (2, 10, "+"), (2, 10, "-"), (3, 9, "+-*"), (4, 5, "*-"), (3, 99, "-"), (1, 7, "+"),
])
def test_every_answer_fits_its_width_and_round_trips_through_the_encoding(terms, largest, ops):
    drawn = questions.random_questions(400, terms, largest, ops, random.Random(0))
    low, high = questions.result_bounds(terms, largest, ops)
    assert all(low <= r <= high for r in drawn.results)
    alphabet = questions.alphabet(ops)
    answers = questions.format_answers(drawn, questions.answer_width(terms, largest, ops))
    vectors = questions.encode_text(answers, alphabet, "onehot")
    decoded = questions.integer_decode(vectors.argmax(axis=-1), alphabet)
    assert [int(a) for a in decoded] == drawn.results
    if "-" in ops and terms > 1:
        assert min(drawn.results) < 0
    texts = questions.format_questions(drawn, questions.question_width(terms, largest))
    for kind in questions.ENCODINGS:
        assert questions.encode_text(texts, alphabet, kind).shape[:2] == (400, len(texts[0]))


def test_reverse_reverses_the_padded_question():
    drawn = questions.Questions([[3, 10]], [["+"]], [13])
    assert questions.format_questions(drawn, 5, reverse=True) == ["01+3 "]


def test_held_out_tuples_are_never_drawn_for_training_and_only_they_are_drawn_for_testing():
    rng = random.Random(3)
    train = questions.random_questions(3000, 2, 20, "+", rng, holdout=0.2, salt=5)
    test = questions.random_questions(300, 2, 20, "+", rng, holdout=0.2, salt=5, from_held_out=True)
    held = questions.all_held_out(2, 20, "+", 0.2, salt=5)
    held_set = {tuple(row) for row in held.operands}
    assert not {tuple(row) for row in train.operands} & held_set
    assert {tuple(row) for row in test.operands} <= held_set
    assert 0.12 < len(held) / 400 < 0.28
    assert held_set != {tuple(r) for r in questions.all_held_out(2, 20, "+", 0.2, salt=6).operands}


def test_the_split_is_by_operand_tuple_so_order_matters_and_it_scales_to_any_space():
    def sums(rows):
        return questions.Questions(rows, [["+"] * (len(rows[0]) - 1)] * len(rows), [sum(row) for row in rows])

    marks = questions.QuestionSpace(2, 1000, "+", 0.5, 0).is_held_out(sums([[1, 2], [2, 1]] * 3))
    assert marks[:2].tolist() == marks[2:4].tolist() == marks[4:].tolist()
    big = np.random.default_rng(0).integers(1, 1000, size=(20000, 3)).tolist()
    assert 0.08 < questions.QuestionSpace(3, 999, "+", 0.1, 1).is_held_out(sums(big)).mean() < 0.12
    assert questions.all_held_out(3, 999, "+", 0.1, 1) is None


@pytest.mark.parametrize("call", [
    lambda: questions.check_ops("+/"), lambda: questions.check_ops("++"),
    lambda: questions.result_bounds(0, 10, "+"), lambda: questions.QuestionSpace(2, 10, "+", 1.0),
    lambda: questions.random_questions(5, 2, 10, "+", random.Random(0), from_held_out=True),
    lambda: questions.encode_text(["1+2"], "0123456789+ ", "binary"),
    lambda: models.seq2seq_repeat(5, 2, 12, encoding="binary"),
    lambda: models.seq2seq_feedback(0, 2, 12),
])
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_masked_inputs_zero_or_index_the_padding():
    alphabet = questions.alphabet("+")
    onehot = questions.encode_text([" 3+10"], alphabet, "onehot", zero_pad=True)
    assert onehot[0, 0].sum() == 0 and onehot[0, 1:].sum(axis=-1).tolist() == [1, 1, 1, 1]
    assert questions.encode_text([" 3+10"], alphabet, "integer").tolist() == [[0, 4, 11, 2, 1]]


@pytest.mark.parametrize("kind, mask", [pytest.param("onehot", False, marks=extended), ("integer", True)])
def test_the_feedback_decoder_is_causal_so_greedy_decoding_is_exact(kind, mask):
    seed_everything(0)
    alphabet = questions.alphabet("+")
    model = models.seq2seq_feedback(5, 3, len(alphabet), 16, encoding=kind, mask=mask)
    drawn = questions.encode_text([" 3+10", "99+99"], alphabet, kind, zero_pad=mask)
    first = questions.training_inputs(drawn, [" 13", "198"], alphabet, kind, "feedback")
    second = questions.training_inputs(drawn, [" 77", "111"], alphabet, kind, "feedback")
    # The fed-back characters differ only at the last step, so only its outputs may differ.
    a, b = model.predict(first, verbose=0), model.predict(second, verbose=0)
    np.testing.assert_allclose(a[:, :2], b[:, :2], rtol=1e-5, atol=1e-7)
    assert not np.allclose(a[:, 2], b[:, 2])
    # Greedy answers are fixed points: fed back in one pass, the model predicts them again.
    greedy = questions.answer(model, drawn, 3, alphabet, kind, "feedback")
    again = model.predict(questions.training_inputs(drawn, greedy, alphabet, kind, "feedback"), verbose=0)
    assert questions.integer_decode(again.argmax(axis=-1), alphabet) == greedy
