"""Questions as text, without any model: drawn, evaluated, held out, written and read back."""

import ast
import functools
import itertools
import operator
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import questions
from common.questions import QuestionSpace, Questions

ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def arithmetic(text: str) -> int:
    """A question's value as Python's own grammar reads its text: a reading independent of the
    module's evaluator (no `eval`: only numbers and + - * are accepted)."""
    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        assert isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC, ast.dump(node)
        return ARITHMETIC[type(node.op)](value(node.left), value(node.right))

    return value(ast.parse(text.strip(), mode="eval").body)


def texts_of(drawn: Questions, width: int) -> list[str]:
    return [text.strip() for text in questions.format_questions(drawn, width)]


def test_the_module_imports_no_backend_and_of_the_suite_only_its_checks_and_brackets():
    tree = ast.parse(Path(questions.__file__).read_text())
    # Imports for type hints alone (under `if TYPE_CHECKING:`) never run.
    hints_only = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    running = [node for node in ast.walk(tree) if not any(node in ast.walk(block) for block in hints_only)]
    imported = {alias.name for node in running if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{alias.name}" if node.module == "common" else node.module
                 for node in running if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not {name for name in imported if name.split(".")[0] in ("keras", "tensorflow", "jax")}
    assert {name for name in imported if name.split(".")[0] == "common"} <= {"common.checks", "common.brackets"}


# The draws of a fixed number of terms without brackets, recorded before the extensions existed.

def test_the_tutorial_draw_and_worked_example_are_reproduced():
    space = QuestionSpace()
    drawn = space.draw(1, random.Random(1))
    assert (drawn.operands, drawn.results, drawn.term_counts) == ([[3, 10]], [13], [2])
    assert questions.format_questions(drawn, space.question_width) == [" 3+10"]
    assert questions.format_answers(drawn, space.answer_width) == ["13"]
    assert space.alphabet == "0123456789+ " == questions.alphabet("+")


@pytest.mark.parametrize("space, seed, from_held_out, texts, answers, next_random", [
    (QuestionSpace(3, 9, "+-*"), 2, False, ["1-2+2", "5*5+4", "3*7*7", "6*9-8"], ["  1", " 29", "147", " 46"],
     0.901207797496947),
    (QuestionSpace(2, 20, "+-", 0.3, 5), 3, False, ["8+19", "19+3", "7-16", "13+5"], [" 27", " 22", " -9", " 18"],
     0.6348606582851885),
    (QuestionSpace(2, 20, "+-", 0.3, 5), 3, True, ["12-20", "16+9", "1+3", "19-2"], [" -8", " 25", "  4", " 17"],
     0.7800764890835564),
])
def test_fixed_term_draws_are_the_recorded_ones_and_use_the_stream_as_before(space, seed, from_held_out, texts,
                                                                               answers, next_random):
    rng = random.Random(seed)
    drawn = space.draw(4, rng, from_held_out)
    assert texts_of(drawn, space.question_width) == texts
    assert questions.format_answers(drawn, space.answer_width) == answers
    assert rng.random() == next_random  # not one draw more or less than before


def test_the_recorded_held_out_questions_and_tuples_are_kept():
    held = QuestionSpace(2, 10, "+", 0.2, 1).all_held_out()
    assert len(held) == 20 and held.operands[:6] == [[1, 7], [1, 9], [1, 10], [2, 3], [3, 2], [3, 9]]
    held = questions.all_held_out(3, 4, "-*", 0.25, 7)
    assert len(held) == 84 and held.operands[:4] == [[1, 1, 2]] * 4
    assert held.operators[:4] == [["-", "-"], ["-", "*"], ["*", "-"], ["*", "*"]]
    pairs = [[1, 2], [2, 1], [10, 10], [3, 7], [999, 1]]
    marks = QuestionSpace(2, 1000, "+", 0.5, 0).is_held_out(Questions(pairs, [["+"]] * 5, [sum(p) for p in pairs]))
    assert marks.tolist() == [True, True, True, False, True]


# A variable number of terms.

@pytest.mark.parametrize("text, terms, written", [
    ("3", (3, 3), "3"), ("2-4", (2, 4), "2-4"), (" 1 - 1 ", (1, 1), "1"), ("10-300", (10, 300), "10-300"),
])
def test_the_terms_flag_reads_a_count_or_a_range(text, terms, written):
    assert questions.parse_terms(text) == terms
    assert questions.format_terms(terms) == written


@pytest.mark.parametrize("text, reason", [
    ("4-2", "the fewest comes first, like 2-4"), ("0", "at least 1 number"), ("0-3", "at least 1 number"),
    ("a-b", "expected a number of terms"), ("2-", "expected"), ("", "expected"), ("2-4-6", "expected"),
    ("-2", "expected"), ("2.5", "expected"),
])
def test_a_bad_terms_flag_is_refused_in_one_line_naming_it(text, reason):
    with pytest.raises(ValueError, match=rf"^--terms {re.escape(text)}: .*{reason}") as refused:
        questions.parse_terms(text)
    assert "\n" not in str(refused.value)


def test_a_range_draws_one_count_per_question_before_its_operands():
    space = QuestionSpace((2, 4), 50, "+-*")
    rng, replay = random.Random(9), random.Random(9)
    drawn = space.draw(300, rng)
    for row, operators in zip(drawn.operands, drawn.operators):
        count = replay.randint(2, 4)
        assert row == [replay.randint(1, 50) for _ in range(count)]
        assert operators == [replay.choice("+-*") for _ in range(count - 1)]
    assert replay.getstate() == rng.getstate()
    assert drawn.term_counts == [len(row) for row in drawn.operands]


def test_term_counts_are_uniform_over_the_range_and_every_question_is_padded_to_the_widest():
    space = QuestionSpace((1, 4), 99, "+")
    drawn = space.draw(4000, random.Random(0))
    shares = np.bincount(drawn.term_counts, minlength=5)[1:] / len(drawn)
    assert np.all((0.21 < shares) & (shares < 0.29)), shares
    texts = questions.format_questions(drawn, space.question_width)
    assert {len(text) for text in texts} == {space.question_width} and space.question_width == len("99+99+99+99")
    answers = questions.format_answers(drawn, space.answer_width)
    assert [int(answer) for answer in answers] == [sum(row) for row in drawn.operands]
    assert space.answer_width == 3 and max(drawn.results) >= 100 and min(drawn.results) <= 9


def test_a_range_of_one_count_is_that_count():
    assert QuestionSpace((3, 3), 9, "+-") == QuestionSpace(3, 9, "+-")
    first, second = random.Random(4), random.Random(4)
    assert QuestionSpace((3, 3), 9, "+-").draw(50, first) == QuestionSpace(3, 9, "+-").draw(50, second)
    assert first.getstate() == second.getstate()


@pytest.mark.parametrize("terms, ops, brackets", [((1, 3), "-*", False), ((1, 2), "-", False), ((3, 5), "-", True)])
def test_a_range_is_bounded_by_the_lowest_and_highest_bounds_of_its_counts(terms, ops, brackets):
    per_count = [questions.result_bounds(count, 9, ops, brackets) for count in range(terms[0], terms[1] + 1)]
    low, high = min(low for low, _ in per_count), max(high for _, high in per_count)
    assert questions.result_bounds(terms, 9, ops, brackets) == (low, high)
    assert questions.answer_width(terms, 9, ops, brackets) == max(len(str(low)), len(str(high)))


# Brackets.

def _nested_or_apart(first: tuple[int, int], second: tuple[int, int]) -> bool:
    (a, b), (c, d) = first, second
    return b < c or d < a or (a <= c and d <= b) or (c <= a and b <= d)


@functools.cache
def every_placement(terms: int) -> set[frozenset]:
    """By brute force: every set of pairs, each around 2 or more numbers but not all, none crossing."""
    spans = [(a, b) for a in range(terms) for b in range(a + 1, terms) if (a, b) != (0, terms - 1)]
    return {frozenset(chosen) for size in range(len(spans) + 1) for chosen in itertools.combinations(spans, size)
            if all(_nested_or_apart(p, q) for p, q in itertools.combinations(chosen, 2))}


@pytest.mark.parametrize("terms", range(1, 6))
def test_the_placements_are_every_bracketing_without_waste_each_once(terms):
    listed = questions.placements(terms)
    assert len(listed) == questions.placement_count(terms) == [1, 1, 3, 11, 45][terms - 1]
    assert {frozenset(placement) for placement in listed} == every_placement(terms)
    assert len(set(listed)) == len(listed)


@pytest.mark.parametrize("operands, operators, brackets, text, value", [
    ([3, 10, 2], ["+", "*"], ((0, 1),), "(3+10)*2", 26),
    ([3, 10, 2], ["+", "*"], (), "3+10*2", 23),
    ([7, 2, 4], ["-", "*"], ((1, 2),), "7-(2*4)", -1),
    ([10, 2, 3], ["-", "-"], ((1, 2),), "10-(2-3)", 11),
    ([10, 2, 3], ["-", "-"], (), "10-2-3", 5),
    ([1, 2, 3, 4], ["+", "*", "-"], ((0, 2), (0, 1)), "((1+2)*3)-4", 5),
    ([1, 2, 3, 4], ["+", "*", "+"], ((0, 1), (2, 3)), "(1+2)*(3+4)", 21),
    ([2, 3, 4, 5], ["*", "+", "*"], ((1, 2),), "2*(3+4)*5", 70),
    ([2, 3, 4], ["*", "+"], ((0, 1),), "(2*3)+4", 10),
    ([5, 4, 3, 2], ["-", "-", "-"], ((1, 3), (2, 3)), "5-(4-(3-2))", 2),
])
def test_brackets_first_then_times_then_plus_and_minus_left_to_right(operands, operators, brackets, text, value):
    assert questions.evaluate(operands, operators, brackets) == value == arithmetic(text)
    drawn = Questions([operands], [operators], [value], [brackets])
    assert questions.format_questions(drawn, len(text)) == [text]


@pytest.mark.parametrize("brackets, named", [
    (((0, 3),), "whole question"), (((1, 1),), "single number 2"), (((0, 1), (0, 1)), "doubled brackets around 1+2"),
    (((0, 1), (1, 2)), "crossing brackets"), (((2, 5),), "brackets around terms 2..5"),
])
def test_the_evaluator_refuses_a_placement_the_generator_never_writes(brackets, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        questions.evaluate([1, 2, 3, 4], ["+", "*", "-"], brackets)


@given(st.integers(0, 2**32), st.sampled_from(["+-*", "-", "*-", "+*"]), st.sampled_from([(3, 3), (2, 5), (4, 5)]))
@settings(max_examples=40)
def test_drawn_bracketed_questions_have_the_value_their_text_reads(seed, ops, terms):
    space = QuestionSpace(terms, 12, ops, brackets=True)
    drawn = space.draw(25, random.Random(seed))
    for text, value, brackets, count in zip(questions.format_questions(drawn, space.question_width), drawn.results,
                                            drawn.brackets, drawn.term_counts):
        assert arithmetic(text) == value
        assert frozenset(brackets) in every_placement(count)
        assert len(re.findall(r"\d+", text)) == count


def test_each_placement_is_drawn_uniformly_after_the_operators():
    space = QuestionSpace(3, 9, "+-", brackets=True)
    rng, replay = random.Random(2), random.Random(2)
    drawn = space.draw(3000, rng)
    listed = questions.placements(3)
    for row, operators, brackets in zip(drawn.operands, drawn.operators, drawn.brackets):
        assert row == [replay.randint(1, 9) for _ in range(3)]
        assert operators == [replay.choice("+-") for _ in range(2)]
        assert brackets == listed[replay.randrange(3)]
    assert replay.getstate() == rng.getstate()
    shares = np.array([drawn.brackets.count(placement) for placement in listed]) / len(drawn)
    assert np.all((0.29 < shares) & (shares < 0.38)), shares


def test_two_numbers_draw_no_placement_and_need_no_bracket():
    space = QuestionSpace((2, 3), 9, "+", brackets=True)
    drawn = space.draw(200, random.Random(1))
    assert all(b == () for b, count in zip(drawn.brackets, drawn.term_counts) if count == 2)
    with pytest.raises(ValueError, match=r"at least 3 numbers \(terms 2\)"):
        QuestionSpace(2, 9, "+", brackets=True)


def test_the_alphabet_gains_the_brackets_before_the_padding():
    assert questions.alphabet("+-*", brackets=True) == "0123456789+-*() "
    assert questions.alphabet("*", brackets=False) == questions.alphabet("*")
    space = QuestionSpace((3, 4), 10, "-*", brackets=True)
    texts = questions.format_questions(space.draw(50, random.Random(3)), space.question_width)
    assert questions.integer_decode(questions.integer_encode(texts, space.alphabet), space.alphabet) == texts


def test_questions_longer_than_the_limit_are_refused_brackets_included():
    assert QuestionSpace(terms=(2, 251), largest=9, ops="*", brackets=True).question_width == 999
    with pytest.raises(ValueError, match=r"^--terms 2-252, --brackets and --largest 9 make questions 1003 "
                                         r"characters long; at most 1000 are allowed$"):
        QuestionSpace(terms=(2, 252), largest=9, ops="*", brackets=True)


# Widths, by brute force on small spaces.

def every_question(space: QuestionSpace):
    """Every question of a small space, by brute force over its term counts, numbers, operators and
    (with brackets) placements."""
    for count in range(space.terms[0], space.terms[1] + 1):
        shapes = questions.placements(count) if space.brackets else [()]
        for row in itertools.product(range(1, space.largest + 1), repeat=count):
            for operators in itertools.product(space.ops, repeat=count - 1):
                for brackets in shapes:
                    yield list(row), list(operators), brackets


@functools.cache
def tree_values(terms: int, largest: int, ops: str) -> frozenset:
    """The value of every binary expression tree over `terms` numbers in [1, largest]."""
    if terms == 1:
        return frozenset(range(1, largest + 1))
    return frozenset(OPERATIONS[op](a, b) for split in range(1, terms) for op in ops
                     for a in tree_values(split, largest, ops) for b in tree_values(terms - split, largest, ops))


@pytest.mark.parametrize("terms, largest, ops, brackets", [
    ((1, 4), 3, "+-*", True), ((3, 4), 2, "-", True), ((3, 3), 10, "*+", True), ((3, 3), 1, "+*", True),
    ((1, 4), 4, "-*", False), ((2, 3), 9, "+", False), ((1, 2), 99, "-", False),
])
def test_every_answer_fits_its_width_and_bracketed_bounds_are_the_true_extremes(terms, largest, ops, brackets):
    space = QuestionSpace(terms, largest, ops, brackets=brackets)
    listed = Questions([], [], [])
    for row, operators, placement in every_question(space):
        listed.add(row, operators, placement)
    assert len(listed) == space.size
    texts = questions.format_questions(listed, space.question_width)
    assert [arithmetic(text) for text in texts] == listed.results
    assert max(len(text.strip()) for text in texts) == space.question_width
    answers = questions.format_answers(listed, space.answer_width)
    assert [int(answer) for answer in answers] == listed.results
    low, high = questions.result_bounds(terms, largest, ops, brackets)
    assert low <= min(listed.results) and max(listed.results) <= high
    if brackets:
        assert (low, high) == (min(listed.results), max(listed.results))
        assert set(listed.results) == set().union(*(tree_values(count, largest, ops)
                                                    for count in range(terms[0], terms[1] + 1)))


# Reading typed questions.

@st.composite
def spaces(draw) -> QuestionSpace:
    brackets = draw(st.booleans())
    fewest = draw(st.integers(1, 4))
    most = draw(st.integers(max(fewest, 3 if brackets else 1), 6))
    return QuestionSpace((fewest, most), draw(st.sampled_from([1, 9, 10, 99, 1000])),
                         draw(st.sampled_from(["+", "-", "*", "+-", "*-", "+-*", "*+-"])), brackets=brackets)


@given(spaces(), st.integers(0, 2**32), st.sampled_from(["", " ", "  "]))
@settings(max_examples=60)
def test_every_written_question_is_read_back_as_itself(space, seed, gap):
    drawn = space.draw(20, random.Random(seed))
    texts = questions.format_questions(drawn, space.question_width)
    assert space.parse(texts) == drawn
    spaced = [gap.join(re.findall(r"\d+|\S", text)) for text in texts]
    assert space.parse(spaced) == drawn
    for text in texts:
        assert space.parse([text]).results == [arithmetic(text)]


BRACKETED = QuestionSpace((2, 4), 10, "+-*", brackets=True)


@pytest.mark.parametrize("text, reason", [
    ("3+", "operator '+' at the end has no number after it"),
    ("", "it is empty"), ("   ", "it is empty"),
    ("a+b", "'a' at character 1 is not a number, an operator or a bracket"),
    ("3/4+1", "'/' at character 2 is not"),
    ("3++4", "operator '+' at character 3 has no number before it"),
    ("+3+4", "operator '+' at character 1 has no number before it"),
    ("(*3)+4", "operator '*' at character 2 has no number before it"),
    ("3 4+1", "4 at character 3 follows a number without an operator"),
    ("(1+2)3", "3 at character 6 follows ')' without an operator"),
    ("2(1+2)", "'(' at character 2 follows a number without an operator"),
    ("(1+2", "'(' at character 1 is never closed"),
    ("1+(2+(3", "'(' at character 6 is never closed"),
    ("1+2)", "')' at character 4 closes no '('"),
    ("()+1+2", "empty brackets at character 1"),
    ("(1+)2", "')' at character 4 follows an operator"),
    ("(1+2+3)", "brackets around the whole question"),
    ("((1+2))", "brackets around the whole question"),
    ("(3)+4+5", "brackets around the single number 3"),
    ("((1+2))*3", "doubled brackets around 1+2"),
    ("1+2+3+4+5", "too many numbers (5); the model was trained on 2-4"),
    ("7", "too few numbers (1)"),
    ("0+4+1", "0 is outside the trained range 1..10"),
    ("(3+11)*2", "11 is outside the trained range 1..10"),
])
def test_a_malformed_question_is_refused_in_one_line_naming_what_is_wrong(text, reason):
    with pytest.raises(ValueError, match=rf"^question {re.escape(repr(text))}: {re.escape(reason)}") as refused:
        BRACKETED.parse([text])
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("text, reason", [
    ("3*4", "the model was not trained on '*' (its operators: '+-')"),
    ("(1+2)+3", "the model was not trained with brackets"),
])
def test_what_the_model_was_not_trained_on_is_refused(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        QuestionSpace((2, 4), 10, "+-").parse([text])


def test_a_typed_question_is_read_with_its_structure_and_true_answer():
    parsed = BRACKETED.parse([" ( 3 + 10 ) * 2", "7-(2*4)", "((1+2)*3)-4"])
    assert parsed.operands == [[3, 10, 2], [7, 2, 4], [1, 2, 3, 4]]
    assert parsed.brackets == [((0, 1),), ((1, 2),), ((0, 2), (0, 1))]
    assert (parsed.results, parsed.term_counts) == ([26, -1, 5], [3, 3, 4])


# The held-out split.

def test_with_brackets_the_held_out_unit_is_the_whole_question_and_the_split_is_stable():
    space = QuestionSpace((2, 3), 4, "+-", holdout=0.3, split_seed=2, brackets=True)
    held = space.all_held_out()
    assert held == space.all_held_out() != QuestionSpace((2, 3), 4, "+-", 0.3, 3, brackets=True).all_held_out()
    assert 0.24 < len(held) / space.size < 0.36
    assert space.is_held_out(held).all()
    keys = {(tuple(row), tuple(ops), b) for row, ops, b in zip(held.operands, held.operators, held.brackets)}
    trained = space.draw(2000, random.Random(0))
    assert not {(tuple(r), tuple(o), b) for r, o, b in zip(trained.operands, trained.operators, trained.brackets)} & keys
    assert not space.is_held_out(trained).any()
    tested = space.draw(300, random.Random(1), from_held_out=True)
    assert {(tuple(r), tuple(o), b) for r, o, b in zip(tested.operands, tested.operators, tested.brackets)} <= keys
    # A held-out question's numbers are also asked, with other operators or placements, in training.
    assert {tuple(row) for row in held.operands} & {tuple(row) for row in trained.operands}
    # A typed question is on the side its drawn twin is on.
    typed = space.parse(questions.format_questions(tested, space.question_width))
    assert space.is_held_out(typed).all()


def test_without_brackets_a_range_holds_out_operand_tuples_with_every_choice_of_operators():
    space = QuestionSpace((1, 3), 6, "+-", holdout=0.25, split_seed=4)
    held = space.all_held_out()
    tuples = {tuple(row) for row in held.operands}
    assert len(held) == sum(2 ** (len(row) - 1) for row in tuples)
    assert {len(row) for row in tuples} == {1, 2, 3}
    assert 0.15 < len(tuples) / (6 + 36 + 216) < 0.35
    trained = space.draw(2000, random.Random(5))
    assert not {tuple(row) for row in trained.operands} & tuples
    assert not space.is_held_out(trained).any()
    assert space.is_held_out(space.draw(100, random.Random(6), from_held_out=True)).all()


def test_spaces_too_big_to_list_are_not_listed():
    assert QuestionSpace((2, 6), 10, "+-*", 0.1, brackets=True).all_held_out() is None
    assert QuestionSpace(5, 10, "+-", 0.1).size == 10**5 * 2**4


@pytest.mark.parametrize("call", [
    lambda: questions.check_ops("+/"), lambda: questions.check_terms((4, 2)), lambda: questions.check_terms(0),
    lambda: questions.random_questions(5, 2, 10, "+", random.Random(0), from_held_out=True),
    lambda: questions.random_questions(5, 3, 10, "+", random.Random(0), brackets="yes"),
    lambda: questions.all_held_out(2, 10, "+", 0.0, 1),
    lambda: Questions([[1, 2]], [["+"]], [3, 4]),
    lambda: questions.evaluate([1, 2], ["/"]),
    lambda: QuestionSpace(2, 10, "+").parse([12]),
    lambda: QuestionSpace(2, 10, "+", split_seed=-1),
])
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError):
        call()
