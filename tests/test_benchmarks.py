"""benchmarks/reproduce.py's report: another backend's rows in a table of their own, each count
beside the main table's, kept when either table is run again."""

import importlib.util
import sys

from conftest import ROOT

spec = importlib.util.spec_from_file_location("reproduce", ROOT / "benchmarks" / "reproduce.py")
reproduce = sys.modules["reproduce"] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
spec.loader.exec_module(reproduce)

ROW = {row.name: row for row in reproduce.ROWS}


def test_a_backends_rows_sit_beside_the_main_tables_counts_and_survive_a_rerun_of_either():
    mapping, mlp = ROW["addition_mapping"], ROW["addition_mlp"]
    main = ["| " + " | ".join(reproduce.summarise(row, [0.2, 0.9], [1.0, 2.0], None)) + " |" for row in (mapping, mlp)]
    first = reproduce.render_report({None: main}, ["- 2026-01-01 00:00 UTC: main"], ["a note"])
    torch_row = "| " + " | ".join(reproduce.summarise(mapping, [0.1, 0.2, 0.3], [5.0] * 3, "torch")) + " |"
    tables, runs, notes = reproduce.merge_report(first, {"torch": [torch_row]}, ["- 2026-01-02 00:00 UTC: torch"], [])
    second = reproduce.render_report(tables, runs, notes)
    main_part = second.split(reproduce.section_title("torch"), 1)[0]
    assert main_part.replace("- 2026-01-02 00:00 UTC: torch\n", "") == first + "\n", "the main table and notes kept"
    section = second.split(reproduce.section_title("torch"), 1)[1]
    cells = [line.split(" | ") for line in section.splitlines() if line.startswith("| addition_mapping")]
    assert len(cells) == 1 and cells[0][1] == "`KERAS_BACKEND=torch python3 addition_mapping.py`"
    assert cells[0][5:7] == ["3/3", "1/2"], "PyTorch's count, then the main table's"
    rerun = ["| " + " | ".join(reproduce.summarise(mapping, [0.9, 0.9], [1.0, 1.0], None)) + " |"]
    tables, runs, notes = reproduce.merge_report(second, {None: rerun}, ["- 2026-01-03 00:00 UTC: main again"], [])
    third = reproduce.render_report(tables, runs, notes)
    section = third.split(reproduce.section_title("torch"), 1)[1]
    assert [line.split(" | ")[5:7] for line in section.splitlines() if line.startswith("| addition_mapping")] == \
        [["3/3", "0/2"]], "the count beside it follows the main table's latest run"
    assert third.count("| addition_mlp |") == 1 and len(runs) == 3 and notes == ["a note"]
