"""The sequence-to-sequence addition's questions as text: drawn, evaluated, held out, written and
read; then encoded for the models, and the models' answers read back and scored (the last section).

Nothing here imports Keras (a model is only called), so questions can be drawn, checked and typed
(`--ask`) without it. The tutorial adds two numbers; its readers asked for more terms, a number of
terms that varies, other operators, brackets, and a test of memorisation (questions held out of
training).

Whatever the tutorial and its first extensions could ask (a fixed number of terms, no brackets) is
drawn exactly as before, so seeds keep their questions: per question one `randint(1, largest)` per
operand, then, with several operators, one `choice(ops)` per operator. `seed(1)` still asks ' 3+10'.
A range of terms adds one `randint(fewest, most)` per question before its operands; brackets add
one `randrange` over the question's placements after its operators.

A placement is a way to bracket the numbers without waste: each pair encloses at least two numbers,
never the whole question, and no pair is doubled; pairs may nest or stand side by side. The
question without brackets is one of them, and so is every binary way of combining the numbers,
which makes the answers' extremes computable exactly (`result_bounds`). How placements are counted,
numbered and checked: `common/brackets.py`.

Held out (`--holdout`): a salted hash of each question's number in the space decides, so a question
is on the same side wherever it appears. Without brackets the hashed unit is the operand tuple (were
these numbers ever seen?); with brackets it is the whole question, placement included.
"""

from __future__ import annotations

import itertools
import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn, Sequence

import numpy as np

from common.brackets import (Brackets, bracket_bounds, canonical, ends_by_start, group_items, placement_at,
                             placement_count, placement_problem, placement_rank, placements)
from common.checks import MisuseError, require_fraction, require_int, require_positive_int

if TYPE_CHECKING:
    import keras

OPERATORS = "+-*"
PAD = " "
ENCODINGS = ("onehot", "integer")
"""How a model reads characters: one-hot vectors (the tutorial's), or integers for an Embedding."""
DECODERS = ("repeat", "feedback")
"""The tutorial's RepeatVector decoder, or one fed its own previous answer character."""
MAX_ENUMERATED = 1_000_000
"""Question spaces up to this size are enumerated to list every held-out question."""
MAX_QUESTION_CHARS = 1000
"""Longest question the suite builds: beyond it the answers of `*` outgrow Python's int-to-text
limit, and no such model would train on this machine anyway."""

Terms = tuple[int, int]
"""The fewest and the most numbers a question holds."""

_MASK = 2**64 - 1


def check_ops(ops: str) -> str:
    """Return `ops` if it is a non-empty string of distinct characters from '+-*'."""
    if not isinstance(ops, str) or not ops or any(op not in OPERATORS for op in ops) \
            or len(set(ops)) != len(ops):
        raise MisuseError(f"ops must be distinct characters from {OPERATORS!r}, got {ops!r}")
    return ops


def check_terms(terms: int | Terms) -> Terms:
    """`terms` as (fewest, most): one count means exactly that many numbers per question."""
    if isinstance(terms, tuple) and len(terms) == 2:
        fewest, most = (require_positive_int("terms", count) for count in terms)
        if fewest > most:
            raise MisuseError(f"terms must be (fewest, most), got {terms}")
        return fewest, most
    count = require_positive_int("terms", terms)
    return count, count


_TERMS_FLAG = re.compile(r"\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?")


def parse_terms(text: str) -> Terms:
    """The `--terms` flag's value: `3` is exactly 3 numbers per question, `2-4` from 2 to 4."""
    match = _TERMS_FLAG.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise MisuseError(f"--terms {text}: expected a number of terms, like 3, or a range, like 2-4")
    fewest = int(match[1])
    most = int(match[2]) if match[2] else fewest
    if min(fewest, most) < 1:
        raise MisuseError(f"--terms {text}: a question needs at least 1 number")
    if fewest > most:
        raise MisuseError(f"--terms {text}: the fewest comes first, like {most}-{fewest}")
    return fewest, most


def format_terms(terms: int | Terms) -> str:
    """`terms` as the flag writes it: '3', or '2-4' for a range."""
    fewest, most = check_terms(terms)
    return str(most) if fewest == most else f"{fewest}-{most}"


def alphabet(ops: str, brackets: bool = False) -> str:
    """Every character a question or answer may hold, the padding last: the tutorial's
    `0123456789+ ` grows by the extra operators, then the brackets, before the space.

    A '-' operator also serves as the minus sign of negative answers.
    """
    return string.digits + check_ops(ops) + ("()" if brackets else "") + PAD


def _check_space(terms: int | Terms, largest: int, ops: str, brackets: bool) -> Terms:
    """The checked range of terms of a question space; brackets need room for a pair."""
    span = check_terms(terms)
    require_positive_int("largest", largest)
    check_ops(ops)
    if not isinstance(brackets, bool):
        raise MisuseError(f"brackets must be True or False, got {brackets!r}")
    if brackets and span[1] < 3:
        raise MisuseError(f"brackets need questions of at least 3 numbers (terms {format_terms(span)}): "
                          "around fewer they would enclose the whole question")
    return span


# Values and widths.

def _flat_value(values: list[int], operators: list[str]) -> int:
    """`a op b op c ...` without brackets: `*` before `+` and `-`, left to right."""
    total, product = 0, values[0]
    sign = 1
    for op, value in zip(operators, values[1:]):
        if op == "*":
            product *= value
        elif op in "+-":
            total += sign * product
            sign, product = (1 if op == "+" else -1), value
        else:
            raise MisuseError(f"operator {op!r} is not one of {OPERATORS!r}")
    return total + sign * product


def evaluate(operands: list[int], operators: list[str], brackets: Brackets = ()) -> int:
    """The value of a question: brackets first, then `*`, then `+` and `-` left to right.

    Computed over the question's structure, never by running its text, so that the answers do not
    depend on how a question happens to be written.
    """
    if len(operands) != len(operators) + 1 or not operands:
        raise MisuseError(f"{len(operands)} operands need {len(operands) - 1} operators, "
                          f"got {len(operators)}")
    if not brackets:  # the tutorial's questions, and every one of its first extensions
        return _flat_value(operands, operators)
    problem = placement_problem(brackets, operands, operators)
    if problem:
        raise MisuseError(problem)
    ends = ends_by_start(brackets)

    def group_value(first: int, last: int) -> int:
        items = group_items(first, last, ends)
        values = [operands[start] if start == end else group_value(start, end) for start, end in items]
        return _flat_value(values, [operators[end] for _, end in items[:-1]])

    return group_value(0, len(operands) - 1)


def _flat_bounds(terms: int, largest: int, ops: str) -> tuple[int, int]:
    """Bounds (not always tight) on a question of `terms` numbers without brackets."""
    def most(count: int) -> int:
        return max(count * largest, largest**count if "*" in ops else 0)

    low = 1 - most(terms - 1) if "-" in ops and terms > 1 else 1
    return low, most(terms)


def result_bounds(terms: int | Terms, largest: int, ops: str, brackets: bool = False) -> tuple[int, int]:
    """Bounds on the value of any question of the space: every answer lies within them (with
    brackets they are the true extremes)."""
    fewest, most = _check_space(terms, largest, ops, brackets)
    bracketed = bracket_bounds(most, largest, ops) if brackets else None
    bounds = [bracketed[count] if bracketed else _flat_bounds(count, largest, ops)
              for count in range(fewest, most + 1)]
    return min(low for low, _ in bounds), max(high for _, high in bounds)


def question_width(terms: int | Terms, largest: int, brackets: bool = False) -> int:
    """Characters in a padded question: the tutorial's width for the most terms (every operator is
    one character), plus, with brackets, two for each of the most pairs a question holds: one fewer
    than its operators, the last operation needing none."""
    most = check_terms(terms)[1]
    require_positive_int("largest", largest)
    tutorial_width = most * len(str(largest)) + most - 1  # its n * ceil(log10(largest+1)) + n - 1, in digits
    return tutorial_width + (2 * max(0, most - 2) if brackets else 0)


def answer_width(terms: int | Terms, largest: int, ops: str, brackets: bool = False) -> int:
    """Characters in a padded answer: the tutorial's width for `+` alone (brackets change no sum),
    else the widest bound (sign included)."""
    most = _check_space(terms, largest, ops, brackets)[1]
    if ops == "+":  # the tutorial's ceil(log10(n * (largest+1))), counted in digits
        return len(str(most * (largest + 1) - 1))
    low, high = result_bounds(terms, largest, ops, brackets)
    return max(len(str(low)), len(str(high)))


# The held-out split.

def _splitmix64(z: np.ndarray | int) -> np.ndarray | int:
    """SplitMix64's finaliser, on Python ints or uint64 arrays alike (both wrap at 2**64)."""
    z = (z + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _held(units: np.ndarray | int, fraction: float, salt: int) -> np.ndarray | bool:
    """Whether each unit number (below 2**64) falls in the held-out `fraction` for this `salt`."""
    with np.errstate(over="ignore"):
        mixed = _splitmix64(units ^ _splitmix64(salt))
    return (mixed >> 11) / 2.0**53 < fraction


def _units_of(terms: int, largest: int, ops: str, brackets: bool) -> int:
    """How many hashed units the questions of exactly `terms` numbers make: their operand tuples,
    or with brackets the questions themselves."""
    tuples = largest**terms
    return tuples * len(ops) ** (terms - 1) * placement_count(terms) if brackets else tuples


def _unit_number(operands: list[int], operators: list[str], brackets: Brackets, fewest: int, largest: int,
                 ops: str, bracketed: bool) -> int:
    """The number hashed for a question: its unit's rank in the space, modulo 2**64."""
    terms = len(operands)
    rank = sum(_units_of(count, largest, ops, bracketed) for count in range(fewest, terms))
    within = 0
    for value in operands:
        within = within * largest + value - 1
    if bracketed:
        for op in operators:
            within = within * len(ops) + ops.index(op)
        within = within * placement_count(terms) + placement_rank(brackets, terms)
    return (rank + within) & _MASK


def _space_size(span: Terms, largest: int, ops: str, brackets: bool) -> int:
    return sum(largest**terms * len(ops) ** (terms - 1) * (placement_count(terms) if brackets else 1)
               for terms in range(span[0], span[1] + 1))


# Questions.

@dataclass
class Questions:
    """Questions as numbers: operand rows, operator rows, the true results and each question's
    bracket pairs (left out: none). Rows differ in length where the number of terms varies;
    `term_counts` gives each question's, so that results can be reported per count."""

    operands: list[list[int]]
    operators: list[list[str]]
    results: list[int]
    brackets: list[Brackets] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.brackets:
            self.brackets = [() for _ in self.results]
        if not len(self.operands) == len(self.operators) == len(self.results) == len(self.brackets):
            raise MisuseError(f"questions need as many operand rows ({len(self.operands)}), operator rows "
                              f"({len(self.operators)}), results ({len(self.results)}) and bracket "
                              f"placements ({len(self.brackets)})")

    def __len__(self) -> int:
        return len(self.results)

    @property
    def term_counts(self) -> list[int]:
        return [len(row) for row in self.operands]

    def add(self, operands: list[int], operators: list[str], brackets: Brackets = ()) -> None:
        """Append one question, its result computed here so that it always matches its structure."""
        result = evaluate(operands, operators, brackets)
        self.operands.append(operands)
        self.operators.append(operators)
        self.brackets.append(brackets)
        self.results.append(result)


def random_questions(n: int, terms: int | Terms, largest: int, ops: str, rng: random.Random,
                     holdout: float = 0.0, salt: int = 0, from_held_out: bool = False,
                     brackets: bool = False) -> Questions:
    """`n` random questions: term count uniform over `terms`, operands uniform in [1, largest],
    operators uniform from `ops`, with `brackets` a placement uniform over the count's placements.

    With `holdout`, held-out questions are redrawn (or, with `from_held_out`, only they are kept).
    The draws are those the module's docstring lists, in that order.
    """
    require_positive_int("n", n)
    fewest, most = _check_space(terms, largest, ops, brackets)
    require_fraction("holdout", holdout)
    require_int("salt", salt, minimum=0)
    if from_held_out and holdout == 0:
        raise MisuseError("from_held_out needs a holdout fraction above 0")
    kept = Questions([], [], [])
    while len(kept) < n:
        count = rng.randint(fewest, most) if fewest < most else fewest
        operands = [rng.randint(1, largest) for _ in range(count)]
        operators = [rng.choice(ops) for _ in range(count - 1)] if len(ops) > 1 else [ops] * (count - 1)
        choices = placement_count(count) if brackets else 1
        placement = placement_at(rng.randrange(choices), count) if choices > 1 else ()
        if holdout and _held(_unit_number(operands, operators, placement, fewest, largest, ops, brackets),
                             holdout, salt) != from_held_out:
            continue
        kept.add(operands, operators, placement)
    return kept


def _add_held_out(held: Questions, terms: int, first_unit: int, largest: int, ops: str, holdout: float,
                  salt: int, brackets: bool) -> None:
    """Append every held-out question of exactly `terms` numbers, in unit order, whose units are
    numbered from `first_unit`."""
    rows = np.array(list(itertools.product(range(1, largest + 1), repeat=terms)), dtype=np.int64).reshape(-1, terms)
    combos = [list(combo) for combo in itertools.product(ops, repeat=terms - 1)]
    shapes = placements(terms) if brackets else [()]
    if brackets:
        units = first_unit + np.arange(len(rows) * len(combos) * len(shapes), dtype=np.uint64)
        chosen = zip(*np.unravel_index(np.flatnonzero(_held(units, holdout, salt)),
                                       (len(rows), len(combos), len(shapes))))
    else:
        units = first_unit + np.arange(len(rows), dtype=np.uint64)
        chosen = ((row, combo, 0) for row in np.flatnonzero(_held(units, holdout, salt))
                  for combo in range(len(combos)))
    for row, combo, shape in chosen:
        held.add(rows[row].tolist(), combos[combo], shapes[shape])


def all_held_out(terms: int | Terms, largest: int, ops: str, holdout: float, salt: int,
                 brackets: bool = False) -> Questions | None:
    """Every held-out question: without brackets each held-out operand tuple with every choice of
    operators, fewest terms first.

    None when the space holds more than MAX_ENUMERATED questions: sample them with
    `random_questions(..., from_held_out=True)` instead. May be empty for tiny spaces.
    """
    span = _check_space(terms, largest, ops, brackets)
    require_fraction("holdout", holdout, allow_zero=False)
    require_int("salt", salt, minimum=0)
    if _space_size(span, largest, ops, brackets) > MAX_ENUMERATED:
        return None
    held, first_unit = Questions([], [], []), 0
    for count in range(span[0], span[1] + 1):
        _add_held_out(held, count, first_unit, largest, ops, holdout, salt, brackets)
        first_unit += _units_of(count, largest, ops, brackets)
    return held


# Questions as text.

def _text(operands: list[int], operators: list[str], brackets: Brackets) -> str:
    opens = Counter(first for first, _ in brackets)
    closes = Counter(last for _, last in brackets)
    return "".join((operators[term - 1] if term else "") + "(" * opens[term] + str(value) + ")" * closes[term]
                   for term, value in enumerate(operands))


def format_questions(questions: Questions, width: int, reverse: bool = False) -> list[str]:
    """`' 3+10'`, `'(3+10)*2'`: each question left-padded to `width`; `reverse` reverses the padded string."""
    require_positive_int("width", width)
    texts = []
    for operands, operators, brackets in zip(questions.operands, questions.operators, questions.brackets):
        padded = _pad_left(_text(operands, operators, brackets), width)
        texts.append(padded[::-1] if reverse else padded)
    return texts


def format_answers(questions: Questions, width: int) -> list[str]:
    """`'13'`: each result left-padded to `width` (negative results keep their minus sign)."""
    require_positive_int("width", width)
    return [_pad_left(str(value), width) for value in questions.results]


def _pad_left(text: str, width: int) -> str:
    """`text` right-aligned in `width` characters; refuses (never truncates) text that is too wide."""
    if len(text) > width:
        raise MisuseError(f"{text!r} is {len(text)} characters, wider than its padding of {width}")
    return text.rjust(width)


_TOKEN = re.compile(r"[0-9]+|\S")


def _refuse(text: str, reason: str) -> NoReturn:
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise MisuseError(f"question {shown!r}: {reason}")


def _read(text: str, ops: str, brackets: bool, largest: int) -> tuple[list[int], list[str], list[tuple[int, int]]]:
    """A typed question's numbers, operators and bracket pairs; refuses, naming the first thing
    wrong and where, anything that is not a well-formed question of these operators."""
    operands: list[int] = []
    operators: list[str] = []
    pairs: list[tuple[int, int]] = []
    opened: list[tuple[int, int]] = []  # (first term, character) of each pair not yet closed
    previous = ""  # the last token: 'number', '(', ')' or an operator
    for match in _TOKEN.finditer(text):
        token, at = match.group(), match.start() + 1
        after_value = previous in ("number", ")")
        if token[0] in string.digits:
            if after_value:
                _refuse(text, f"{token} at character {at} follows {'a number' if previous == 'number' else repr(')')} "
                              "without an operator")
            if len(token.lstrip("0")) > len(str(largest)):  # refused before int() reads a number of any length
                shown = token if len(token) <= 20 else token[:20] + "..."
                _refuse(text, f"{shown} is outside the trained range 1..{largest}")
            operands.append(int(token))
            previous = "number"
        elif token in "()":
            if not brackets:
                _refuse(text, "the model was not trained with brackets")
            if token == "(":
                if after_value:
                    _refuse(text, f"'(' at character {at} follows {'a number' if previous == 'number' else repr(')')} "
                                  "without an operator")
                opened.append((len(operands), at))
            elif not opened:
                _refuse(text, f"')' at character {at} closes no '('")
            elif previous == "(":
                _refuse(text, f"empty brackets at character {opened[-1][1]}")
            elif not after_value:
                _refuse(text, f"')' at character {at} follows an operator")
            else:
                pairs.append((opened.pop()[0], len(operands) - 1))
            previous = token
        elif token in OPERATORS:
            if token not in ops:
                _refuse(text, f"the model was not trained on {token!r} (its operators: {ops!r})")
            if not after_value:
                _refuse(text, f"operator {token!r} at character {at} has no number before it")
            operators.append(token)
            previous = token
        else:
            _refuse(text, f"{token!r} at character {at} is not a number, an operator or a bracket")
    if not previous:
        _refuse(text, "it is empty")
    if opened:
        _refuse(text, f"'(' at character {opened[-1][1]} is never closed")
    if previous in OPERATORS:
        _refuse(text, f"operator {previous!r} at the end has no number after it")
    return operands, operators, pairs


def _parse_into(questions: Questions, text: str, span: Terms, largest: int, ops: str, brackets: bool) -> None:
    """Append the question `text` types, checked against the space a model was trained on: then its
    written form always fits the space's width."""
    if not isinstance(text, str):
        raise MisuseError(f"a question must be text, got {text!r}")
    operands, operators, pairs = _read(text, ops, brackets, largest)
    if not span[0] <= len(operands) <= span[1]:
        _refuse(text, f"too {'many' if len(operands) > span[1] else 'few'} numbers ({len(operands)}); "
                      f"the model was trained on {format_terms(span)}")
    problem = placement_problem(pairs, operands, operators)
    if problem:
        _refuse(text, problem)
    for value in operands:
        if not 1 <= value <= largest:
            _refuse(text, f"{value} is outside the trained range 1..{largest}")
    questions.add(operands, operators, canonical(pairs))


@dataclass(frozen=True)
class QuestionSpace:
    """The questions a seq2seq model is trained and tested on, validated once.

    `terms` is a count or a (fewest, most) range, kept as the range. `holdout` of the questions
    (operand tuples without brackets) are never trained on; `split_seed` picks which, apart from
    `--seed`, so that runs on several seeds hold out the same questions.
    """

    terms: Terms | int = 2
    largest: int = 10
    ops: str = "+"
    holdout: float = 0.0
    split_seed: int = 1
    brackets: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", _check_space(self.terms, self.largest, self.ops, self.brackets))
        require_fraction("holdout", self.holdout)
        require_int("split_seed", self.split_seed, minimum=0)
        if self.question_width > MAX_QUESTION_CHARS:
            flags = f"--terms {format_terms(self.terms)}{', --brackets' if self.brackets else ''}"
            raise MisuseError(f"{flags} and --largest {self.largest} make questions {self.question_width} "
                              f"characters long; at most {MAX_QUESTION_CHARS} are allowed")

    @property
    def question_width(self) -> int:
        return question_width(self.terms, self.largest, self.brackets)

    @property
    def answer_width(self) -> int:
        return answer_width(self.terms, self.largest, self.ops, self.brackets)

    @property
    def alphabet(self) -> str:
        return alphabet(self.ops, self.brackets)

    @property
    def size(self) -> int:
        """How many distinct questions there are (operand tuples x operator choices x placements)."""
        return _space_size(self.terms, self.largest, self.ops, self.brackets)

    @property
    def units(self) -> int:
        """How many units `--holdout` decides on: operand tuples, or with brackets whole questions."""
        return sum(_units_of(count, self.largest, self.ops, self.brackets)
                   for count in range(self.terms[0], self.terms[1] + 1))

    def held_out_units(self) -> int | None:
        """How many units `--holdout` holds out, or None when there are too many units to count."""
        if self.units > MAX_ENUMERATED:
            return None
        return int(np.count_nonzero(_held(np.arange(self.units, dtype=np.uint64), self.holdout, self.split_seed)))

    def draw(self, n: int, rng: random.Random, from_held_out: bool = False) -> Questions:
        """`n` random questions from the trained part (or, `from_held_out`, the held-out part)."""
        return random_questions(n, self.terms, self.largest, self.ops, rng, self.holdout, self.split_seed,
                                from_held_out, self.brackets)

    def all_held_out(self) -> Questions | None:
        """Every held-out question, or None when there are too many to list."""
        return all_held_out(self.terms, self.largest, self.ops, self.holdout, self.split_seed, self.brackets)

    def is_held_out(self, questions: Questions) -> np.ndarray:
        units = np.array([_unit_number(operands, operators, brackets, self.terms[0], self.largest, self.ops,
                                       self.brackets)
                          for operands, operators, brackets in
                          zip(questions.operands, questions.operators, questions.brackets)], dtype=np.uint64)
        return _held(units, self.holdout, self.split_seed)

    def parse(self, texts: list[str]) -> Questions:
        """Questions as typed (`'12+50'`), each checked against this space, in one batch."""
        questions = Questions([], [], [])
        for text in texts:
            _parse_into(questions, text, self.terms, self.largest, self.ops, self.brackets)
        return questions

# Questions as the models read them, and answers as they write them.
#
# The models (in `common/models.py`): the tutorial's RepeatVector decoder, `models.seq2seq_repeat`,
# and a decoder fed its own previous output character, `models.seq2seq_feedback`; either reads
# one-hot or integer characters, the padding masked or not. Every variant takes ONE input array, so
# the shared training loop (`training.train`) runs them all unchanged: the feedback decoder's input
# is the question followed by the answer shifted right by one (teacher forcing), and at evaluation
# time `answer` fills that second part greedily with the model's own predictions, one character
# per pass.

def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MisuseError(f"{name} must be one of {allowed}, got {value!r}")


def _check_alphabet(alphabet: str) -> None:
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise MisuseError(f"alphabet must be a non-empty string of distinct characters, got {alphabet!r}")


def integer_encode(strings: Sequence[str], alphabet: str) -> np.ndarray:
    """Strings of equal length -> (n, length) array of alphabet indices."""
    _check_alphabet(alphabet)
    if len(strings) == 0:
        raise MisuseError("strings must not be empty")
    length = len(strings[0])
    for text in strings:
        if not isinstance(text, str) or len(text) != length:
            raise MisuseError(f"every string must have length {length}, got {text!r}")
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.reshape(len(strings), length)
    alphabet_codes = np.array([ord(c) for c in alphabet], dtype=np.uint32)
    order = np.argsort(alphabet_codes)
    position = np.searchsorted(alphabet_codes[order], codes).clip(max=len(alphabet) - 1)
    found = alphabet_codes[order][position] == codes
    if not found.all():
        row, column = np.argwhere(~found)[0]
        raise MisuseError(
            f"character {strings[row][column]!r} in {strings[row]!r} is not in the alphabet {alphabet!r}"
        )
    return order[position].astype(np.int64)


def integer_decode(indices: np.ndarray, alphabet: str) -> list[str]:
    """(n, length) alphabet indices -> list of strings; the inverse of `integer_encode`."""
    _check_alphabet(alphabet)
    indices = np.asarray(indices)
    if indices.ndim != 2:
        raise MisuseError(f"indices must be 2-D (samples, steps), got shape {indices.shape}")
    _check_indices(indices, len(alphabet))
    chars = np.array(list(alphabet))
    return ["".join(row) for row in chars[indices]]


def _check_indices(indices: np.ndarray, width: int) -> None:
    if not np.issubdtype(indices.dtype, np.integer):
        raise MisuseError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= width):
        bad = indices[(indices < 0) | (indices >= width)].flat[0]
        raise MisuseError(f"index {bad} is outside the alphabet of {width} characters (allowed 0..{width - 1})")


def encode_text(strings: Sequence[str], alphabet: str, kind: str, zero_pad: bool = False) -> np.ndarray:
    """Equal-length strings -> model input.

    onehot: (n, length, len(alphabet)) floats, the tutorial's; with `zero_pad` the padding
    character becomes an all-zero vector, which `layers.Masking` recognises.
    integer: (n, length) ints with the padding character at 0 (for `Embedding(mask_zero=True)`)
    and every other character at its alphabet index + 1.
    """
    _check_choice("kind", kind, ENCODINGS)
    if alphabet[-1:] != PAD:
        raise MisuseError(f"alphabet must end with the padding character {PAD!r}, got {alphabet!r}")
    indices = integer_encode(strings, alphabet)
    if kind == "integer":
        return ((indices + 1) % len(alphabet)).astype(np.int32)
    vectors = (indices[..., None] == np.arange(len(alphabet))).astype(np.float32)  # a 1 at each character's index
    if zero_pad:
        vectors[indices == len(alphabet) - 1] = 0.0
    return vectors


def training_inputs(questions: np.ndarray, answers: Sequence[str], alphabet: str, kind: str,
                    decoder: str) -> np.ndarray:
    """The model's input for training: the encoded questions, plus for feedback the shifted answers.

    Teacher forcing: decoder step k sees the true character k-1 (step 0 sees the padding character).
    """
    _check_choice("decoder", decoder, DECODERS)
    if decoder == "repeat":
        return questions
    shifted = [PAD + answer[:-1] for answer in answers]
    return np.concatenate([questions, encode_text(shifted, alphabet, kind)], axis=1)


def predict(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """Keras's own `predict`: one compiled function per model, for any number of samples.

    These models are stateless, so batching changes no result; the greedy decoder calls this
    once per answer character, and `training.predict` would retrace on every call. The last batch
    is filled up to a whole one with copies of the last sample (their outputs dropped): Keras
    compiles one function per batch shape, and on JAX a second compilation costs more than the
    extra rows.
    """
    require_positive_int("batch_size", batch_size)
    if len(x) == 0:
        raise MisuseError("x must hold at least one sample")
    batch_size = min(batch_size, len(x))
    short = -len(x) % batch_size
    padded = np.concatenate([x, np.repeat(x[-1:], short, axis=0)]) if short else x
    return model.predict(padded, batch_size=batch_size, verbose=0)[:len(x)]


def answer(model: keras.Model, questions: np.ndarray, out_length: int, alphabet: str, kind: str,
           decoder: str, batch_size: int = 256) -> list[str]:
    """The model's answers as strings: argmax per character (greedy for the feedback decoder).

    The feedback decoder is run `out_length` times; pass k fixes character k and feeds it back as
    the input of step k+1. An LSTM decoder is causal, so this is exactly step-by-step decoding.
    """
    require_positive_int("out_length", out_length)
    _check_choice("decoder", decoder, DECODERS)
    if decoder == "repeat":
        return integer_decode(predict(model, questions, batch_size).argmax(axis=-1), alphabet)
    chosen = np.full((len(questions), out_length), len(alphabet) - 1, dtype=np.int64)
    for step in range(out_length):
        previous = integer_decode(np.concatenate(
            [np.full((len(questions), 1), len(alphabet) - 1), chosen[:, :-1]], axis=1), alphabet)
        x = np.concatenate([questions, encode_text(previous, alphabet, kind)], axis=1)
        chosen[:, step] = predict(model, x, batch_size)[:, step].argmax(axis=-1)
    return integer_decode(chosen, alphabet)


def exact_match(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Fraction of answers right in every character."""
    if len(expected) != len(predicted) or len(expected) == 0:
        raise MisuseError(f"expected and predicted must be non-empty and of equal length, "
                         f"got {len(expected)} and {len(predicted)}")
    return float(np.mean([e == p for e, p in zip(expected, predicted)]))


def char_accuracy(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Fraction of answer characters right, padding included (answers of one width)."""
    expected_chars, predicted_chars = np.array([list(e) for e in expected]), np.array([list(p) for p in predicted])
    if expected_chars.shape != predicted_chars.shape or expected_chars.size == 0:
        raise MisuseError(f"answers must be non-empty and of one shape, got {expected_chars.shape} "
                         f"and {predicted_chars.shape}")
    return float(np.mean(expected_chars == predicted_chars))


def exact_match_by_terms(term_counts: Sequence[int], expected: Sequence[str],
                         predicted: Sequence[str]) -> dict[int, float]:
    """`exact_match` among the questions of each number of terms, fewest first."""
    if len(term_counts) != len(expected):
        raise MisuseError(f"term_counts must label every answer, got {len(term_counts)} for {len(expected)}")
    return {count: exact_match([e for c, e in zip(term_counts, expected) if c == count],
                               [p for c, p in zip(term_counts, predicted) if c == count])
            for count in sorted(set(term_counts))}


def by_terms_line(title: str, scores: dict[int, float], term_counts: Sequence[int]) -> str:
    """`title: 2 terms 1.000000 (331), 3 terms ...`: each count's figure and how many questions it counts."""
    counts = Counter(term_counts)
    return f"{title}: " + ", ".join(f"{count} terms {score:.6f} ({counts[count]})" for count, score in scores.items())
