"""Checking the files of a folder in several processes gives the same lines, in the same
order, as checking them in one (palmyra.io.check_files with jobs > 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import palmyra
from palmyra import io
from palmyra.paths import annotations_dir


def _folder(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "set"
    folder.mkdir()
    for path in sorted(annotations_dir().glob("palmyra-00*.json")):
        shutil.copy(path, folder / path.name)
    doc = json.loads((folder / "palmyra-001.json").read_text(encoding="utf-8"))
    doc["entities"][0]["start"] += 1  # the span no longer matches the text
    (folder / "palmyra-001.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / "palmyra-003.json").write_text('{"doc_id": "palmyra-003", "entit',
                                             encoding="utf-8")  # truncated
    (folder / "unknown-9.json").write_text(json.dumps({**doc, "doc_id": "unknown-9"}),
                                           encoding="utf-8")
    shutil.copy(annotations_dir() / "clusters.json", folder / "clusters.json")
    return sorted(p for p in folder.glob("*.json") if p.name != "clusters.json")


def test_parallel_checks_report_the_same_lines(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = _folder(tmp_path)
    serial = io.check_files(files)
    assert len(serial) >= 3
    assert any("palmyra-003.json" in line for line in serial)
    assert any("unknown-9" in line for line in serial)
    monkeypatch.setattr(io, "PARALLEL_MIN_FILES", 1)
    calls = []
    original = io._check_in_parallel

    def spy(*args: object) -> list[str] | None:
        calls.append(args)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(io, "_check_in_parallel", spy)
    assert io.check_files(files, jobs=2) == serial
    assert len(calls) == 1


def test_evaluate_reads_a_folder_in_parallel_with_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pred"
    folder.mkdir()
    for line in Path("examples/noisy-predictions.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        (folder / f"{doc['doc_id']}.json").write_text(line, encoding="utf-8")
    one = palmyra.evaluate(None, folder, bootstrap=50)
    monkeypatch.setattr(io, "PARALLEL_MIN_FILES", 1)
    two = palmyra.evaluate(None, folder, bootstrap=50, jobs=2)
    assert one.to_json() == two.to_json()
