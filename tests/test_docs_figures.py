"""The figures README.md and DATASHEET.md quote are the data's: each `<!-- stats:NAME -->`
block equals the table palmyra.inventory computes from the gold."""

from __future__ import annotations

from pathlib import Path

import pytest

from palmyra.inventory import fill_markers, load_gold, tables

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["README.md", "DATASHEET.md"])
def test_quoted_tables_match_the_gold(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "<!-- stats:summary -->" in text
    assert fill_markers(text, load_gold()) == text, (
        f"{name}: a stats table differs from the gold; refresh it with "
        "palmyra.inventory.fill_markers")


def test_summary_counts_by_hand() -> None:
    gold = load_gold()
    assert sorted(gold) == [f"palmyra-00{i}" for i in range(5)]
    summary = tables(gold)["summary"]
    assert "| entities | 543 | 125 | 51 | 64 |" in summary
    assert "| events | 174 | 54 | 31 | 20 |" in summary
    assert "| numbers | 44 |" in summary
    assert "| attributions | 59 |" in summary


def test_fill_markers_replaces_only_marked_blocks() -> None:
    text = "intro\n<!-- stats:numbers -->\nstale\n<!-- /stats:numbers -->\noutro\n"
    out = fill_markers(text, load_gold())
    assert out.startswith("intro\n<!-- stats:numbers -->\n| numbers | palmyra-000 |")
    assert out.endswith("| total | 6 | 9 | 11 | 11 | 7 | 44 |\n<!-- /stats:numbers -->\noutro\n")
