"""Bracket placements: every way to bracket a question's numbers without waste, counted, numbered
and checked.

A placement is a tree over the question's terms whose inner nodes have 2 or more children: each
pair encloses at least two numbers, never the whole question, and no pair is doubled; pairs may
nest or stand side by side. The question without brackets is one of them (the empty placement).
Placements are numbered (`placement_at`, `placement_rank`) so that a question's placement is one
uniform `randrange` draw, and so that held-out questions can be numbered; `bracket_bounds` gives the
exact extremes of a bracketed question's value, which set the answers' width.
"""

from __future__ import annotations

import functools

from common.checks import require_positive_int

Brackets = tuple[tuple[int, int], ...]
"""One question's bracket pairs, each as the first and last term it encloses (counted from 0),
sorted by first term, outer pairs before the pairs they enclose."""


@functools.lru_cache(maxsize=None)
def _placement_tables(terms: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Counts up to `terms` terms: `groups[n]`, the ways to structure a group of n terms (the whole
    question, or the inside of a pair): two or more items, each a single term or a bracketed group;
    `runs[n]`, the ways to lay n terms out as one or more such items (`runs[0]` = 1: nothing left)."""
    groups, runs = [0, 1], [1, 1]
    for size in range(2, terms + 1):
        groups.append(sum(groups[part] * runs[size - part] for part in range(1, size)))
        runs.append(sum(groups[part] * runs[size - part] for part in range(1, size + 1)))
    return tuple(groups), tuple(runs)


def placement_count(terms: int) -> int:
    """How many bracket placements a question of `terms` numbers can have, no brackets included."""
    require_positive_int("terms", terms)
    return _placement_tables(terms)[0][terms]


def canonical(pairs: list[tuple[int, int]]) -> Brackets:
    return tuple(sorted(pairs, key=lambda pair: (pair[0], -pair[1])))


def _unrank_group(index: int, first: int, size: int, tables: tuple[tuple[int, ...], tuple[int, ...]],
                  pairs: list[tuple[int, int]]) -> None:
    """Add the pairs inside the group of `size` terms from `first` that has number `index`.

    A group's index counts its items left to right, mixed-radix: the first item's size, that item's
    own index, then the rest's index, as `_rank_group` computes it. An index below `groups[size]`
    never makes one item of the whole group: those come last, after every split into two or more.
    """
    groups, runs = tables
    position, remaining = first, size
    while remaining:
        part = 1
        while index >= groups[part] * runs[remaining - part]:
            index -= groups[part] * runs[remaining - part]
            part += 1
        item, index = divmod(index, runs[remaining - part])
        if part > 1:
            pairs.append((position, position + part - 1))
            _unrank_group(item, position, part, tables, pairs)
        position, remaining = position + part, remaining - part


def ends_by_start(brackets: Brackets) -> dict[int, list[int]]:
    """For each first term, the last terms of the pairs opening there, widest first."""
    ends: dict[int, list[int]] = {}
    for first, last in sorted(brackets, key=lambda pair: -pair[1]):
        ends.setdefault(first, []).append(last)
    return ends


def group_items(first: int, last: int, ends: dict[int, list[int]]) -> list[tuple[int, int]]:
    """The items of the group over terms first..last, left to right: single terms and the
    outermost pairs inside it (never the group's own pair), as (first, last) spans."""
    items, term = [], first
    while term <= last:
        end = next((end for end in ends.get(term, ()) if end <= last and (term, end) != (first, last)), term)
        items.append((term, end))
        term = end + 1
    return items


def _rank_group(first: int, last: int, ends: dict[int, list[int]],
                tables: tuple[tuple[int, ...], tuple[int, ...]]) -> int:
    """The index `_unrank_group` turns back into the pairs inside the group over first..last."""
    groups, runs = tables
    rank, remaining = 0, last - first + 1
    for start, end in group_items(first, last, ends):
        part = end - start + 1
        rank += sum(groups[smaller] * runs[remaining - smaller] for smaller in range(1, part))
        if part > 1:
            rank += _rank_group(start, end, ends, tables) * runs[remaining - part]
        remaining -= part
    return rank


def placement_at(index: int, terms: int) -> Brackets:
    pairs: list[tuple[int, int]] = []
    if terms > 1:
        _unrank_group(index, 0, terms, _placement_tables(terms), pairs)
    return canonical(pairs)


def placement_rank(brackets: Brackets, terms: int) -> int:
    return _rank_group(0, terms - 1, ends_by_start(brackets), _placement_tables(terms))


def placements(terms: int) -> list[Brackets]:
    """Every bracket placement of a question of `terms` numbers, in the order the hash ranks them."""
    return [placement_at(index, terms) for index in range(placement_count(terms))]


def _plain_text(operands: list[int], operators: list[str], first: int, last: int) -> str:
    pairs = zip(operators[first:last], operands[first + 1:last + 1])
    return str(operands[first]) + "".join(op + str(value) for op, value in pairs)


def placement_problem(brackets: Brackets | list[tuple[int, int]], operands: list[int],
                       operators: list[str]) -> str | None:
    """What makes `brackets` a placement the generator never writes, in words; None if nothing."""
    terms, seen = len(operands), set()
    enclosing: list[int] = []
    for first, last in canonical(list(brackets)):
        if not 0 <= first <= last < terms:
            return f"brackets around terms {first}..{last} of a question of {terms} numbers"
        if first == last:
            return f"brackets around the single number {operands[first]}"
        if (first, last) == (0, terms - 1):
            return "brackets around the whole question"
        if (first, last) in seen:
            return f"doubled brackets around {_plain_text(operands, operators, first, last)}"
        while enclosing and enclosing[-1] < first:
            enclosing.pop()
        if enclosing and last > enclosing[-1]:
            return f"crossing brackets around {_plain_text(operands, operators, first, last)}"
        enclosing.append(last)
        seen.add((first, last))
    return None


def _combined_bounds(left: tuple[int, int], right: tuple[int, int], op: str) -> tuple[int, int]:
    """The extremes of `x op y` for x and y anywhere within their bounds: each operation is monotone
    in each side, or (for `*`) takes its extremes at the corners."""
    if op == "+":
        return left[0] + right[0], left[1] + right[1]
    if op == "-":
        return left[0] - right[1], left[1] - right[0]
    corners = [x * y for x in left for y in right]
    return min(corners), max(corners)


def bracket_bounds(most_terms: int, largest: int, ops: str) -> list[tuple[int, int]]:
    """The true extremes of a bracketed question of each number of terms (index 0 unused): the
    placements include every binary way of combining the numbers, and the two sides of the last
    operation are drawn independently, so the extremes combine the sides' extremes."""
    bounds = [(0, 0), (1, largest)]
    for terms in range(2, most_terms + 1):
        candidates = [_combined_bounds(bounds[split], bounds[terms - split], op)
                      for split in range(1, terms) for op in ops]
        bounds.append((min(low for low, _ in candidates), max(high for _, high in candidates)))
    return bounds
