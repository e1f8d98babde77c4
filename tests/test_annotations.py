"""The typed model round-trips every gold document, and writes are atomic and keep modes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from palmyra.annotations import AnnotationDocument, dump, load, write_atomic

ROOT = Path(__file__).resolve().parents[1]
GOLD = sorted((ROOT / "annotations").glob("palmyra-*.json"))


@pytest.mark.parametrize("path", GOLD, ids=lambda p: p.stem)
def test_gold_round_trips_through_the_model(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert AnnotationDocument.from_dict(data).to_dict() == data


def test_number_nulls_are_kept_distinct_from_absent() -> None:
    data = {"schema_version": "1.0.0", "doc_id": "palmyra-002", "numbers": [
        {"start": 0, "end": 1, "text": "x", "kind": "count", "value": None, "low": 200}]}
    assert AnnotationDocument.from_dict(data).to_dict() == data


def test_dump_then_load(tmp_path: Path) -> None:
    doc = AnnotationDocument.from_dict(json.loads(GOLD[0].read_text(encoding="utf-8")))
    dump(doc, tmp_path / "d.json")
    assert load(tmp_path / "d.json") == doc
    assert (tmp_path / "d.json").read_text(encoding="utf-8") == GOLD[0].read_text(
        encoding="utf-8")


def test_write_atomic_keeps_permissions_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "one")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
