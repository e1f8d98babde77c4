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


def _jsonl(tmp_path: Path, registry: str | None = None) -> Path:
    """A JSONL file with problems on lines spread over the whole file: a byte order mark,
    invalid JSON, a blank line, an unknown doc_id, a span off the text, doc_ids given twice
    (a cross-line check), gold documents that need the registry."""
    folder = tmp_path / "jsonl"
    folder.mkdir()
    docs = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(annotations_dir().glob("palmyra-00*.json"))]
    lines = [json.dumps(d) for d in docs]
    bad_span = json.loads(lines[1])
    bad_span["entities"][2]["end"] += 3
    lines += ["{not json", "", json.dumps({**docs[0], "doc_id": "nowhere-1"}),
              json.dumps(bad_span), *lines[:3]]
    path = folder / "set.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n")
    if registry is not None:
        (folder / "clusters.json").write_text(registry, encoding="utf-8")
    return path


@pytest.mark.parametrize("registry", [None, '{"entities": 3}'])
def test_a_jsonl_file_checked_in_ranges_of_lines_reports_the_same_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: str | None) -> None:
    from palmyra import validate

    path = _jsonl(tmp_path, registry)
    serial = io.check_files([path])
    assert any(":1:" not in line and "byte order mark" in line for line in serial)
    assert any(f"{path}:6:" in line and "not valid JSON" in line for line in serial)
    assert sum("annotated twice" in line for line in serial) == 4  # 3 repeats + bad span
    if registry is not None:
        assert sum("clusters.json" in line for line in serial) >= 1
    monkeypatch.setattr(validate, "PARALLEL_MIN_JSONL_BYTES", 0)
    ranges = validate._line_ranges(path, 8)
    assert len(ranges) > 2 and ranges[0].first_line == 1
    assert io.check_files([path], jobs=2) == serial


def test_line_ranges_cover_every_line_once(tmp_path: Path) -> None:
    from palmyra import validate

    path = tmp_path / "lines.jsonl"
    text = "".join(f'{{"n": {i}}}\n' * (1 + i % 3) for i in range(50))
    path.write_text(text, encoding="utf-8")
    ranges = validate._line_ranges(path, 7)
    raw = path.read_bytes()
    seen = []
    for r in ranges:
        part = raw[r.start:r.stop]
        assert r.start == 0 or raw[r.start - 1:r.start] == b"\n"  # whole lines
        assert raw[:r.start].count(b"\n") + 1 == r.first_line
        seen += part.splitlines()
    assert seen == raw.splitlines()
