"""Arithmetic questions as text: operands, operators, held-out operand tuples, and parsing.

The sequence-to-sequence tutorial only adds two numbers. Its readers asked for more terms, other
operators and a test of memorisation; this module answers all three while drawing, for the
tutorial's own settings (`+` only, nothing held out), exactly the tutorial's random stream.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

import numpy as np

from common import data
from common.checks import MisuseError, require_fraction, require_int, require_positive_int

OPERATORS = "+-*"
MAX_ENUMERATED = 1_000_000
"""Operand spaces up to this size are enumerated to list every held-out tuple."""


def check_ops(ops: str) -> str:
    """Return `ops` if it is a non-empty string of distinct characters from '+-*'."""
    if not isinstance(ops, str) or not ops or any(op not in OPERATORS for op in ops) \
            or len(set(ops)) != len(ops):
        raise MisuseError(f"ops must be distinct characters from {OPERATORS!r}, got {ops!r}")
    return ops


def evaluate(operands: list[int], operators: list[str]) -> int:
    """The value of `a op b op c ...` with the usual precedence (`*` before `+` and `-`)."""
    if len(operands) != len(operators) + 1 or not operands:
        raise MisuseError(f"{len(operands)} operands need {len(operands) - 1} operators, "
                         f"got {len(operators)}")
    total, product = 0, operands[0]
    sign = 1
    for op, value in zip(operators, operands[1:]):
        if op == "*":
            product *= value
        elif op in "+-":
            total += sign * product
            sign, product = (1 if op == "+" else -1), value
        else:
            raise MisuseError(f"operator {op!r} is not one of {OPERATORS!r}")
    return total + sign * product


def result_bounds(terms: int, largest: int, ops: str) -> tuple[int, int]:
    """Bounds (not always tight) on the value of any question: answers always lie within them."""
    require_positive_int("terms", terms)
    require_positive_int("largest", largest)
    check_ops(ops)

    def most(k: int) -> int:
        return max(k * largest, largest**k if "*" in ops else 0)

    high = most(terms)
    low = 1 - most(terms - 1) if "-" in ops and terms > 1 else 1
    return low, high


def question_width(terms: int, largest: int) -> int:
    """Characters in a padded question: the tutorial's width (every operator is one character)."""
    return data.input_width(terms, largest)


def answer_width(terms: int, largest: int, ops: str) -> int:
    """Characters in a padded answer: the tutorial's width for `+`, else the widest bound (sign included)."""
    low, high = result_bounds(terms, largest, ops)
    if ops == "+":
        return data.output_width(terms, largest)
    return max(len(str(low)), len(str(high)))


def _splitmix64(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def held_out(operands: np.ndarray, largest: int, fraction: float, salt: int) -> np.ndarray:
    """Which operand tuples (rows, operands in [1, largest]) belong to the held-out fraction.

    A hash of each tuple decides, so the split needs no table, covers any operand space, and is
    the same for a tuple wherever it appears (training, evaluation, `--ask`). `salt` varies it.
    """
    require_positive_int("largest", largest)
    require_fraction("fraction", fraction)
    require_int("salt", salt, minimum=0)
    operands = np.asarray(operands)
    if operands.ndim != 2 or operands.shape[1] == 0:
        raise MisuseError(f"operands must be 2-D (questions, terms), got shape {operands.shape}")
    if fraction == 0:
        return np.zeros(len(operands), dtype=bool)
    with np.errstate(over="ignore"):
        index = np.zeros(len(operands), dtype=np.uint64)
        for column in operands.T.astype(np.uint64):
            index = index * np.uint64(largest) + (column - np.uint64(1))
        mixed = _splitmix64(index ^ _splitmix64(np.full(len(operands), salt, dtype=np.uint64)))
    return (mixed >> np.uint64(11)).astype(np.float64) / 2.0**53 < fraction


@dataclass
class Questions:
    """Questions as numbers: operand rows, operator rows and the true results."""

    operands: list[list[int]]
    operators: list[list[str]]
    results: list[int]

    def __len__(self) -> int:
        return len(self.results)


def random_questions(n: int, terms: int, largest: int, ops: str, rng: random.Random,
                     holdout: float = 0.0, salt: int = 0, from_held_out: bool = False) -> Questions:
    """`n` random questions, operands uniform in [1, largest], operators uniform from `ops`.

    With `holdout`, questions whose operand tuple is held out are redrawn (or, with
    `from_held_out`, only those are kept). For `+` with nothing held out this is exactly the
    tutorial's `random_sum_pairs` draw.
    """
    require_positive_int("n", n)
    require_positive_int("terms", terms)
    require_positive_int("largest", largest)
    check_ops(ops)
    require_fraction("holdout", holdout)
    if from_held_out and holdout == 0:
        raise MisuseError("from_held_out needs a holdout fraction above 0")
    if ops == "+" and holdout == 0:
        operands, sums = data.random_sum_pairs(n, terms, largest, rng)
        return Questions(operands, [["+"] * (terms - 1) for _ in operands], sums)
    kept = Questions([], [], [])
    while len(kept) < n:
        operands = [rng.randint(1, largest) for _ in range(terms)]
        operators = [rng.choice(ops) for _ in range(terms - 1)] if len(ops) > 1 else [ops] * (terms - 1)
        if holdout and held_out(np.array([operands]), largest, holdout, salt)[0] != from_held_out:
            continue
        kept.operands.append(operands)
        kept.operators.append(operators)
        kept.results.append(evaluate(operands, operators))
    return kept


def all_held_out(terms: int, largest: int, ops: str, holdout: float, salt: int) -> Questions | None:
    """Every held-out operand tuple, with every combination of operators from `ops`.

    None when that is more than MAX_ENUMERATED questions: sample them with
    `random_questions(..., from_held_out=True)` instead. May be empty for tiny operand spaces.
    """
    require_positive_int("terms", terms)
    require_positive_int("largest", largest)
    check_ops(ops)
    require_fraction("holdout", holdout, allow_zero=False)
    if largest**terms * len(ops) ** (terms - 1) > MAX_ENUMERATED:
        return None
    grid = np.indices((largest,) * terms).reshape(terms, -1).T + 1
    rows = grid[held_out(grid, largest, holdout, salt)].tolist()
    combos = [list(c) for c in itertools.product(ops, repeat=terms - 1)]
    operands = [row for row in rows for _ in combos]
    operators = [combo for _ in rows for combo in combos]
    return Questions(operands, operators, [evaluate(r, o) for r, o in zip(operands, operators)])


def format_questions(questions: Questions, width: int, reverse: bool = False) -> list[str]:
    """`' 3+10'`: each question left-padded to `width`; `reverse` reverses the padded string."""
    require_positive_int("width", width)
    texts = []
    for operands, operators in zip(questions.operands, questions.operators):
        text = str(operands[0]) + "".join(op + str(v) for op, v in zip(operators, operands[1:]))
        padded = data.pad_left(text, width)
        texts.append(padded[::-1] if reverse else padded)
    return texts


def format_answers(questions: Questions, width: int) -> list[str]:
    """`'13'`: each result left-padded to `width` (negative results keep their minus sign)."""
    require_positive_int("width", width)
    return [data.pad_left(str(value), width) for value in questions.results]


_NUMBER = re.compile(r"\d+")


def parse_question(text: str, terms: int, largest: int, ops: str) -> Questions:
    """One question as typed (`'12+50'`), checked against what the model was trained to answer."""
    require_positive_int("terms", terms)
    require_positive_int("largest", largest)
    check_ops(ops)
    if not isinstance(text, str):
        raise MisuseError(f"a question must be text, got {text!r}")
    compact = text.replace(" ", "")
    pattern = r"\d+(?:[%s]\d+)*" % re.escape(ops)
    if not re.fullmatch(pattern, compact):
        raise MisuseError(f"question {text!r} is malformed: expected {terms} numbers joined by "
                         f"operators from {ops!r}, like {'1' + ops[0] + '2'!r}")
    operands = [int(n) for n in _NUMBER.findall(compact)]
    operators = [c for c in compact if c in OPERATORS]
    if len(operands) != terms:
        raise MisuseError(f"question {text!r} has {len(operands)} numbers; the model adds {terms}")
    for value in operands:
        if not 1 <= value <= largest:
            raise MisuseError(f"question {text!r}: {value} is outside the trained range 1..{largest}")
    return Questions([operands], [operators], [evaluate(operands, operators)])
