"""addition_seq2seq.py: the tutorial reproduced, then every extension exercised through the script."""


import pytest

import addition_seq2seq
from common import plotting, questions
from common.runtime import outputs
from common.runtime.options import seq2seq as seq2seq_options
from conftest import also_on_jax, extended, refused, run_script, reproduction

TUTORIAL_EXPECTED = [13, 13, 13, 9, 11, 18, 15, 14, 6, 15, 9, 10, 8, 14, 14, 19, 4, 13, 9, 12]

TINY = ["--epochs", "2", "--examples", "40", "--quiet"]


@reproduction
def test_the_default_run_prints_the_tutorials_table_and_learns_to_add(capsys, tmp_path):
    document = run_script(addition_seq2seq, [], tmp_path)
    out = capsys.readouterr().out
    assert "repeat_vector" in out  # model.summary(), as the tutorial prints it
    rows = [line for line in out.splitlines() if line.startswith("Expected=")]
    assert [int(row.split(",")[0].split("=")[1]) for row in rows] == TUTORIAL_EXPECTED
    # Every one of the 1000 answers right, as in the tutorial, happens on some seeds only
    # (docs/addition_seq2seq.md); this bound held on every seed measured on both backends.
    assert document["metrics"]["exact_match"] >= 0.7


@reproduction
def test_twice_the_epochs_get_the_answers_right(capsys, tmp_path):
    # Seed 2, where the defaults miss some on both backends; 60 epochs got every answer right on
    # every seed measured on both backends (docs/addition_seq2seq.md). The bound leaves room for a
    # few of the 1000 fresh answers, which another CPU's rounding could flip.
    document = run_script(addition_seq2seq, ["--quiet", "--epochs", "60", "--seed", "2"], tmp_path)
    assert document["metrics"]["exact_match"] >= 0.99


def test_a_tiny_run_prints_the_table_and_writes_the_figures(capsys, tmp_path):
    document = run_script(addition_seq2seq, TINY, tmp_path)
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if line.startswith("Expected=")]) == 20
    assert "Summary over all 40 evaluation samples: exact_match=" in out
    assert set(document["metrics"]) == {"exact_match", "char_accuracy", "epochs_run", "final_loss"}
    assert document["config"]["largest"] == 10 and document["train_seconds"] > 0


def test_the_plot_calls_its_accuracy_per_character(monkeypatch, capsys, tmp_path):
    """Keras's accuracy counts characters, far more than exact_match's answers; the plot must say so."""
    drawn = {}

    def draw(history, path, title):
        drawn["figure"] = plotting.history_figure(history, title)
        path.write_bytes(b"")

    monkeypatch.setattr(outputs, "plot_history", draw)
    run_script(addition_seq2seq, [*TINY, "--plot", tmp_path / "curves.png"], tmp_path)
    accuracy = drawn["figure"].axes[1]
    assert accuracy.get_ylabel() == "per-character accuracy" and "per-character accuracy" in accuracy.get_title()
    assert drawn["figure"].axes[0].get_ylabel() == "loss"


@extended
def test_the_plain_loop_runs_the_feedback_decoder_too(capsys, tmp_path):
    document = run_script(addition_seq2seq, [*TINY, "--loop", "plain", "--decoder", "feedback"], tmp_path)
    assert document["config"]["loop"] == "plain"


def test_the_extensions_run_together_and_held_out_questions_are_reported_apart(capsys, tmp_path):
    held = questions.all_held_out(3, 9, "+-*", 0.3, salt=1)
    question = "".join(f"{operand}{operator}" for operand, operator in
                       zip(held.operands[0], [*held.operators[0], ""]))
    document = run_script(addition_seq2seq, [*TINY, "--ops", "+-*", "--terms", "3", "--largest", "9", "--mask",
                                             "--reverse", "--holdout", "0.3", "--ask", question], tmp_path)
    out = capsys.readouterr().out
    expected = [line.split(",")[0].split("=")[1] for line in out.splitlines() if line.startswith("Expected=")]
    assert all(len(e) == len(expected[0]) for e in expected) and any(e.strip().startswith("-") for e in expected)
    assert set(document["metrics"]) == {"exact_match", "char_accuracy", "holdout_exact_match", "epochs_run", "final_loss"}
    assert document["config"]["mask"] and document["config"]["reverse"]
    assert "Held out (never trained on): exact_match=" in out
    assert f"Question={question}, Expected={held.results[0]}, " in out
    assert out.count("(held out: never trained on)") == 1


@extended
@pytest.mark.parametrize("ops", ["-", "*", "+-*"])
def test_every_operator_trains_and_negative_answers_are_spelled(ops, capsys, tmp_path):
    document = run_script(addition_seq2seq, [*TINY, "--ops", ops, "--terms", "3", "--largest", "9"], tmp_path)
    out = capsys.readouterr().out
    expected = [line.split(",")[0].split("=")[1] for line in out.splitlines() if line.startswith("Expected=")]
    assert all(len(e) == len(expected[0]) for e in expected)
    assert any(e.strip().startswith("-") for e in expected) == ("-" in ops)
    assert 0 <= document["metrics"]["char_accuracy"] <= 1


@extended
@pytest.mark.parametrize("flags", [["--mask"], ["--encoding", "integer"], ["--reverse", "--encoding", "integer"]])
def test_masking_and_integer_inputs_run(flags, capsys, tmp_path):
    document = run_script(addition_seq2seq, [*TINY, *flags], tmp_path)
    out = capsys.readouterr().out
    assert "Summary over all 40 evaluation samples" in out and document["config"]["mask"] == ("--mask" in flags)


@reproduction
@pytest.mark.parametrize("flags, at_least", [
    (["--reverse"], 0.8),
    (["--encoding", "integer", "--mask", "--decoder", "feedback", "--reverse"], 0.5),
    # The answer comes out last digit first and is printed turned back.
    (["--reverse", "--reverse-answer", "--decoder", "feedback"], 0.5),
    (["--decoder", "feedback"], 0.7),
])
def test_each_variant_learns_the_tutorial_task_in_its_budget(flags, at_least, capsys, tmp_path):
    # The tutorial's data and budget (30 epochs of 1000, batch 10). Most seeds get every answer right;
    # some stop far short in this budget (docs/addition_seq2seq.md), so each bound is one that held on
    # every seed measured on both backends.
    document = run_script(addition_seq2seq, ["--quiet", *flags], tmp_path)
    assert document["metrics"]["exact_match"] >= at_least


@extended
def test_holdout_is_reported_apart_and_asked_held_out_questions_are_marked(capsys, tmp_path):
    held = questions.all_held_out(2, 10, "+", 0.3, salt=1).operands[0]
    question = f"{held[0]}+{held[1]}"
    document = run_script(addition_seq2seq, [*TINY, "--holdout", "0.3", "--ask", question], tmp_path)
    out = capsys.readouterr().out
    assert set(document["metrics"]) == {"exact_match", "char_accuracy", "holdout_exact_match", "epochs_run", "final_loss"}
    assert "Held out (never trained on): exact_match=" in out
    assert f"Question={question}, Expected={sum(held)}, " in out and out.count("(held out: never trained on)") == 1


@also_on_jax
def test_ask_answers_after_training_and_after_loading(capsys, tmp_path):
    model = tmp_path / "model.keras"
    flags = ["--decoder", "feedback", "--encoding", "integer", "--ops", "+-"]
    run_script(addition_seq2seq, [*TINY, *flags, "--ask", "3+10", "--ask", "2-9", "--save", str(model)], tmp_path)
    out = capsys.readouterr().out
    assert "Question=3+10, Expected=13, Predicted=" in out and "Question=2-9, Expected=-7, Predicted=" in out
    answers = [line for line in out.splitlines() if line.startswith("Question=")]
    document = run_script(addition_seq2seq, ["--load", str(model), "--quiet", "--examples", "40", *flags,
                                             "--ask", "3+10", "--ask", "2-9"], tmp_path)
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("Question=")] == answers
    assert document["train_seconds"] is None
    with pytest.raises(ValueError, match="pass the flags it was trained with"):
        addition_seq2seq.main(["--load", str(model), *flags, "--largest", "99", "--quiet"])


@also_on_jax
def test_a_variable_number_of_terms_is_padded_masked_and_reported_per_count(capsys, tmp_path):
    document = run_script(addition_seq2seq, [*TINY, "--terms", "2-4", "--mask", "--holdout", "0.1"], tmp_path)
    out = capsys.readouterr().out
    questions_asked = [line for line in out.splitlines() if line.startswith("Expected=")]
    assert len(questions_asked) == 20
    by_terms = document["metrics"]["exact_match_by_terms"]
    assert set(by_terms) == {"2", "3", "4"} and all(0 <= score <= 1 for score in by_terms.values())
    assert set(document["metrics"]["holdout_exact_match_by_terms"]) == {"2", "3", "4"}
    assert "Exact match by number of terms: 2 terms " in out and "Held out by number of terms: 2 terms " in out
    assert document["config"]["terms"] == [2, 4]


@also_on_jax
def test_bracketed_questions_train_and_a_bracketed_question_is_answered(capsys, tmp_path):
    space = questions.QuestionSpace(3, 10, "+-*", 0.1, 1, brackets=True)
    held = space.all_held_out()
    asked = questions.format_questions(questions.Questions(held.operands[:1], held.operators[:1], held.results[:1],
                                                           held.brackets[:1]), space.question_width)[0].strip()
    document = run_script(addition_seq2seq, [*TINY, "--terms", "3", "--brackets", "--ops", "+-*", "--holdout", "0.1",
                                             "--decoder", "feedback", "--encoding", "integer", "--reverse",
                                             "--reverse-answer", "--ask", asked, "--ask", "(3+10)*2"], tmp_path)
    out = capsys.readouterr().out
    assert document["config"]["brackets"] and "holdout_exact_match" in document["metrics"]
    assert "Held out (never trained on): exact_match=" in out and f"over {len(held)} questions" in out
    assert f"Question={asked}, Expected={held.results[0]}, " in out
    assert "Question=(3+10)*2, Expected=26, " in out
    assert out.count("(held out: never trained on)") >= 1


@pytest.mark.parametrize("argv, named", [
    (["--ask", "3+"], "operator '+' at the end has no number after it"),
    (["--ask", "3*4"], "not trained on '*'"),
    (["--ask", "30+4"], "30 is outside"),
    (["--ask", "(3+4)"], "not trained with brackets"),
    (["--terms", "3", "--brackets", "--ask", "(3+4"], "never closed"),
    (["--terms", "3", "--brackets", "--ask", "(3+4+5)"], "whole question"),
    (["--terms", "3", "--brackets", "--ask", "3+4"], "too few numbers (2)"),
    (["--brackets"], "brackets need questions of at least 3 numbers"),
    (["--terms", "4-2"], "--terms"),
    (["--terms", "0-2"], "--terms"),
    (["--terms", "2-"], "--terms"),
    (["--ops", "/"], "'/'"),
    (["--holdout", "1"], "1.0"),
    (["--decoder", "attention"], "attention"),
    (["--batch-size", "7"], "--batch-size 7"),
    (["--largest", "1", "--holdout", "0.5"], "of the 1 operand tuples"),
    (["--terms", "9", "--largest", "2", "--ops", "+-*", "--holdout", "0.001", "--split-seed", "2"],
     "holds out none of the 512 operand tuples"),
    (["--ask", "3+" + "9" * 5000], "is outside the trained range 1..10"),
    (["--terms", "400-500", "--largest", "99", "--ops", "*"], "characters long; at most 1000"),
])
def test_misuse_is_one_line_status_2_and_nothing_written(argv, named, capsys, tmp_path):
    assert named in refused(addition_seq2seq, argv, tmp_path, capsys)


def test_the_split_seed_not_the_seed_picks_the_held_out_questions():
    every = [questions.Questions([[a, b]], [["+"]], [a + b]) for a in range(1, 11) for b in range(1, 11)]
    held = []
    for argv in (["--seed", "1"], ["--seed", "2"], ["--seed", "1", "--split-seed", "2"]):
        args = seq2seq_options.parse("addition_seq2seq.py", "", [*TINY, "--holdout", "0.3", *argv], 30, 1000, 10, 100, 50)
        space = questions.QuestionSpace(args.terms, args.largest, args.ops, args.holdout, args.split_seed)
        held.append([bool(space.is_held_out(question)[0]) for question in every])
    assert held[0] == held[1], "--seed leaves the split alone"
    assert held[0] != held[2], "--split-seed picks it"
