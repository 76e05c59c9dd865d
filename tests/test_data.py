"""The tutorials' worked examples, exactly, and the generators' contracts."""

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common import binary, echo, memory, questions, sums
from conftest import tutorial_framing

ECHO_SEQUENCE = [86, 81, 88, 1, 23, 78, 64, 7, 99, 23, 2, 36, 73, 26, 27, 33, 24, 51, 73, 64,
                 13, 13, 53, 40, 64]


def test_seed_1_worked_example_of_the_seq2seq_tutorial():
    rng = random.Random(1)
    operands, totals = sums.random_sum_pairs(1, 2, 10, rng)
    assert (operands, totals) == ([[3, 10]], [13])
    texts = ["+".join(map(str, row)).rjust(questions.question_width(2, 10)) for row in operands]
    answers = [str(total).rjust(questions.answer_width(2, 10, "+")) for total in totals]
    assert (texts, answers) == ([" 3+10"], ["13"])
    alphabet = "0123456789+ "
    x_int, y_int = questions.integer_encode(texts, alphabet), questions.integer_encode(answers, alphabet)
    assert x_int.tolist() == [[11, 3, 10, 1, 0]] and y_int.tolist() == [[1, 3]]
    x_hot = questions.encode_text(texts, alphabet, "onehot").astype(int).tolist()
    y_hot = questions.encode_text(answers, alphabet, "onehot").astype(int).tolist()
    assert x_hot == [[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                      [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                      [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                      [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]
    assert y_hot == [[[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                      [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]]]


def test_seed_1_draws_the_regression_tutorials_first_pairs():
    # The tutorial prints these for seed(1), largest 100; its scaling divides by 200.
    operands, totals = sums.random_sum_pairs(2, 2, 100, random.Random(1))
    x, y = sums.scaled_sum_pairs(2, 2, 100, random.Random(1))
    np.testing.assert_allclose(x * 200, operands)
    np.testing.assert_allclose(y * 200, totals)
    assert totals == [sum(row) for row in operands]


def test_echo_framing_matches_the_tutorials_printed_windows():
    encoded = echo.encode(echo.EchoTask(), ECHO_SEQUENCE)
    x, y = echo.frame_windows(encoded, 5, 3)
    decoded_x, decoded_y = x.argmax(axis=-1), y.argmax(axis=-1)
    assert len(x) == 21
    assert decoded_x[0].tolist() == [86, 81, 88, 1, 23] and decoded_y[0].tolist() == [86, 81, 88]
    assert decoded_x[1].tolist() == [81, 88, 1, 23, 78] and decoded_y[1].tolist() == [81, 88, 1]
    assert decoded_x[-1].tolist() == [13, 13, 53, 40, 64] and decoded_y[-1].tolist() == [13, 13, 53]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=30), st.integers(1, 6), st.integers(1, 6))
def test_numpy_framing_equals_the_tutorials_pandas_framing(sequence, n_in, n_out):
    encoded = np.eye(10, dtype=np.float32)[sequence]
    if n_out > n_in or len(sequence) < n_in:
        with pytest.raises(ValueError):
            echo.frame_windows(encoded, n_in, n_out)
        return
    fast_x, fast_y = echo.frame_windows(encoded, n_in, n_out)
    slow_x, slow_y = tutorial_framing(encoded, n_in, n_out)
    np.testing.assert_array_equal(fast_x, slow_x)
    np.testing.assert_array_equal(fast_y, slow_y)
    assert fast_x.shape == (len(sequence) - n_in + 1, n_in, 10)


def test_memory_encoding_and_pairs_as_printed():
    seq1, seq2 = memory.memory_sequences(3)
    assert (seq1, seq2) == ([3, 0, 1, 2, 3], [4, 0, 1, 2, 4])
    (x, y), _ = memory.step_pairs(memory.MemoryTask(), [seq1, seq2])
    assert np.concatenate([x, y[-1:]]).tolist() == [[0.0, 0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0],
                                                   [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
                                                   [0.0, 0.0, 0.0, 1.0, 0.0]]
    assert x.shape == (4, 5) and y.shape == (4, 5)
    assert x.argmax(axis=-1).tolist() == [3, 0, 1, 2]
    assert y.argmax(axis=-1).tolist() == [0, 1, 2, 3]


def test_memory_sequences_generalise_the_lag():
    seq1, seq2 = memory.memory_sequences(5)
    assert seq1 == [5, 0, 1, 2, 3, 4, 5] and seq2 == [6, 0, 1, 2, 3, 4, 6]


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_all_operand_pairs_holds_each_pair_once(bits):
    a, b = binary.all_operand_pairs(bits)
    pairs = set(zip(a.tolist(), b.tolist()))
    assert len(a) == len(pairs) == 4**bits
    assert pairs == {(i, j) for i in range(2**bits) for j in range(2**bits)}


@given(st.integers(1, 6), st.integers(1, 10**6))
def test_padding_widths_fit_every_question_and_answer(n_numbers, largest):
    widest_question = "+".join([str(largest)] * n_numbers)
    assert len(widest_question) <= questions.question_width(n_numbers, largest)
    assert len(str(n_numbers * largest)) <= questions.answer_width(n_numbers, largest, "+")


@pytest.mark.parametrize("call", [
    lambda: sums.random_sum_pairs(0, 2, 10),
    lambda: sums.random_sum_pairs(5, 0, 10),
    lambda: sums.random_sum_pairs(5, 2, 0),
    lambda: questions.question_width(2, 0),
    lambda: questions.answer_width(0, 10, "+"),
    lambda: echo.random_sequence(0, 100),
    lambda: echo.random_sequence(25, 0),
    lambda: echo.frame_windows(np.zeros((3, 4)), 5, 2),
    lambda: echo.frame_windows(np.zeros((9, 4)), 3, 4),
    lambda: echo.encode(echo.EchoTask(), [0, 100]),
    lambda: memory.memory_sequences(0),
    lambda: memory.step_pairs(memory.MemoryTask(), [[3, 0, 1, 2, 5]]),
    lambda: memory.step_pairs(memory.MemoryTask(), [[3, 0, 1, 2]]),
    lambda: binary.all_operand_pairs(0),
    lambda: binary.all_operand_pairs(13),
    lambda: sums.random_sum_pairs(2.5, 2, 10),
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_padding_never_truncates():
    asked = questions.Questions(operands=[[100, 100]], operators=[["+"]], results=[200])
    with pytest.raises(ValueError, match="wider than its padding"):
        questions.format_questions(asked, 5)
