"""The docs show what the scripts do: every command they give is accepted as written, and every
block of real output is in the order a run prints its lines."""

import importlib
import re
import shlex

import pytest

from conftest import ROOT

SCRIPTS = ("addition_mapping", "addition_mlp", "addition_seq2seq", "echo_full", "echo_partial", "memory_demo",
           "binary_addition")
PAGES = [ROOT / "README.md", ROOT / "REPRODUCTION.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"python3 (" + "|".join(SCRIPTS) + r")\.py((?: +(?:\"[^\"]*\"|'[^']*'|[^\s`|#\"']+))*)")

# What each kind of line a script prints starts with; a docs line of no kind fails the test, so that
# a new kind of line is added here before a page shows it.
KINDS = [
    ("progress", r"epoch \d+/\d+ \("), ("trained", r"Trained \d+ epochs"), ("rmse", r"RMSE: "),
    ("row", r"Expected[=:]"), ("question", r"Question="), ("summary", r"Summary over all"),
    ("reversed", r"Operands in reverse order"), ("by_terms", r"Exact match by number of terms"),
    ("held_out", r"Held out \(never"), ("held_out_by_terms", r"Held out by number of terms"),
    ("pairs", r"=+$|\[[01 ]+\]: \d+"), ("unseen", r"Unseen \d+-bit"), ("limit", r"Largest width"),
    ("until", r"(Every|Not every) "), ("peak", r"Peak memory"), ("sequence", r"Sequence \d"),
    ("step", r"X=-?\d"), ("more", r"\.\.\. \d+ more steps"), ("trial", r"Seed \d+: "),
]

# Per page, one tiny command line per block of real output, in the page's order: the same kinds of
# line as the command the page ran, in seconds.
TINY = {
    "addition_mapping.md": [("addition_mapping", "--epochs 2 --examples 20")],
    "addition_mlp.md": [("addition_mlp", "--epochs 2 --examples 20")],
    "addition_seq2seq.md": [
        ("addition_seq2seq", "--epochs 1 --examples 20"),
        ("addition_seq2seq", "--terms 2-4 --holdout 0.1 --mask --epochs 1 --examples 20"),
        ("addition_seq2seq", "--terms 3 --brackets --ops +-* --holdout 0.1 --epochs 1 --examples 20"),
    ],
    "echo_full.md": [("echo_full", "--epochs 2 --eval-sequences 2")],
    "echo_partial.md": [("echo_partial", "--epochs 2 --eval-sequences 2")],
    "binary_addition.md": [("binary_addition", "--formulation serial --bits 4 --units 4 --until-exact --epochs 1 "
                                               "--test-bits 16 --find-limit --test-pairs 10 --rows 3")],
    "memory_demo.md": [
        ("memory_demo", "--epochs 2"),
        ("memory_demo", "--formulation long-lag --lag 20 --batch-size 2 --epochs 2 --units 8 --shortcut 4"),
    ],
}


def _kind(line):
    for kind, start in KINDS:
        if re.match(start, line):
            return kind
    return None


def _kinds(lines):
    """The kinds of `lines` in order, a run of the same kind as one; '...' (trimmed) left out."""
    kinds = []
    for line in lines:
        kind = _kind(line.strip())
        if kind and (not kinds or kinds[-1] != kind):
            kinds.append(kind)
    return kinds


def _output_blocks(text):
    """Each indented block that follows a paragraph saying it is a run's output (or what it prints)."""
    blocks, paragraph, lines = [], [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("    ") and paragraph and paragraph[-1].endswith(":") and \
                re.search(r"real output|prints", " ".join(paragraph), re.IGNORECASE):
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            blocks.append([line for line in block if line.strip()])
            paragraph = []
            continue
        if lines[i].strip():  # a paragraph's line; a blank line keeps the paragraph before it
            paragraph = [*paragraph, lines[i].strip()] if i and lines[i - 1].strip() else [lines[i].strip()]
        i += 1
    return blocks


def _commands():
    found = set()
    for page in PAGES:
        text = re.sub(r"`[^`]+`", lambda span: span.group(0).replace("\n", " "), page.read_text())  # wrapped
        for match in COMMAND.finditer(text):
            if "$" not in match.group(2) and "[flags]" not in match.group(0):
                found.add((page.name, match.group(1), match.group(2).strip()))
    return sorted(found)


@pytest.mark.parametrize("page, script, flags", _commands())
def test_every_command_the_docs_give_is_accepted_as_written(page, script, flags, capsys):
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module(script).main([*shlex.split(flags), "--dry-run"])
    assert stopped.value.code == 0, (page, flags, capsys.readouterr())


def test_the_docs_commands_were_found():
    assert len(_commands()) > 40


@pytest.mark.parametrize("page", sorted(TINY))
def test_each_output_block_is_in_the_order_a_run_prints(page, capsys, tmp_path):
    blocks = _output_blocks((ROOT / "docs" / page).read_text())
    assert len(blocks) == len(TINY[page]), f"{page}: {len(blocks)} output blocks; give TINY one command each"
    for block, (script, flags) in zip(blocks, TINY[page]):
        unknown = [line for line in block if not _kind(line.strip()) and not line.strip().startswith("...")]
        assert not unknown, f"{page}: lines of no known kind: {unknown}"
        assert importlib.import_module(script).main([*shlex.split(flags), "--quiet"]) == 0
        printed = _kinds(capsys.readouterr().out.splitlines())
        shown = iter(printed)
        assert all(kind in shown for kind in _kinds(block)), \
            f"{page}: the block shows {_kinds(block)}, a run prints {printed}"
