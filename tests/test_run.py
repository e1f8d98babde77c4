"""Running an extractor over the corpus: `palmyra evaluate --extractor`, resumable runs and
crash recovery, the run manifest, progress, exit codes, and the HTML report hook."""

from __future__ import annotations

import importlib.machinery
import io
import json
import re
import shutil
import sys
import textwrap
import types
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import pytest

import palmyra
from palmyra import cli
from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document, load_corpus
from palmyra.evaluation import Result
from palmyra.extractors import REDACTED
from palmyra.extractors.baseline import Baseline
from palmyra.extractors.run import (
    MANIFEST,
    Progress,
    RunError,
    default_output_dir,
    normalize,
    read_predictions,
    run_extractor,
)
from palmyra.paths import annotations_dir

DOCS = ["palmyra-000", "palmyra-001", "palmyra-002", "palmyra-003", "palmyra-004"]
STAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"

PLUGIN = '''
import os

from palmyra.extractors.baseline import Baseline

CALLS = []
_baseline = Baseline()


def extract(doc):
    """The baseline, failing on the document named by an environment variable."""
    CALLS.append(doc.doc_id)
    if os.environ.get("PLUGIN_FAIL") == doc.doc_id:
        raise RuntimeError("boom")
    if os.environ.get("PLUGIN_INTERRUPT") == doc.doc_id:
        raise KeyboardInterrupt
    return _baseline(doc)


def bad_text(doc):
    return {"entities": [{"start": 0, "end": 4, "text": "Nope", "type": "ORG"}]}


def not_a_document(doc):
    return 42


def wrong_doc_id(doc):
    return {"doc_id": "palmyra-999"}


def minimal(doc):
    return {"entities": []}


class Secretive:
    def __init__(self, api_key, model="m1", **more):
        self.api_key, self.model = api_key, model

    def __call__(self, doc):
        return {"numbers": []}
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "run_test_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "run_test_plugin", raising=False)
    monkeypatch.delenv("PLUGIN_FAIL", raising=False)
    monkeypatch.delenv("PLUGIN_INTERRUPT", raising=False)
    import run_test_plugin  # type: ignore[import-not-found]

    return run_test_plugin


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def evaluate(spec: str, out: Path, *extra: str) -> list[str]:
    return ["evaluate", "--extractor", spec, "--output-dir", str(out), "--bootstrap", "20",
            *extra]


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def statuses(folder: Path) -> dict[str, str]:
    return {d: e["status"] for d, e in manifest(folder)["documents"].items()}


def predictions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.json") if p.name != MANIFEST)


# --- crash recovery and resuming ----------------------------------------------------------

def test_crash_then_resume_scores_like_an_uninterrupted_run(
        tmp_path: Path, plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    spec, crashed, clean = "run_test_plugin:extract", tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("PLUGIN_FAIL", "palmyra-002")  # the third document
    code, out, err = run([*evaluate(spec, crashed), "--json"], capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"palmyra evaluate: running '{spec}' on 5 documents; predictions in {crashed}",
        f"palmyra evaluate: extractor '{spec}' on palmyra-002: raised RuntimeError: boom",
        f"palmyra evaluate: the predictions written so far are in {crashed}; continue with "
        f"--resume --output-dir {crashed}"]
    assert predictions(crashed) == ["palmyra-000.json", "palmyra-001.json"]
    assert manifest(crashed)["status"] == "failed"
    assert manifest(crashed)["documents"]["palmyra-002"]["error"] == "raised RuntimeError: boom"
    assert statuses(crashed) == {"palmyra-000": "done", "palmyra-001": "done",
                                 "palmyra-002": "failed"}

    monkeypatch.delenv("PLUGIN_FAIL")
    plugin.CALLS.clear()
    code, resumed, err = run([*evaluate(spec, crashed), "--resume", "--json"], capsys)
    assert code == 0, err
    assert plugin.CALLS == ["palmyra-002", "palmyra-003", "palmyra-004"]  # only the rest
    assert "2 kept" in err and "3 written" in err
    assert statuses(crashed) == {"palmyra-000": "kept", "palmyra-001": "kept",
                                 "palmyra-002": "done", "palmyra-003": "done",
                                 "palmyra-004": "done"}
    assert manifest(crashed)["status"] == "complete"
    assert re.fullmatch(STAMP, manifest(crashed)["resumed_from"])

    code, uninterrupted, _ = run([*evaluate(spec, clean), "--json"], capsys)
    assert code == 0
    assert json.loads(resumed) == json.loads(uninterrupted)
    for name in predictions(clean):
        assert (crashed / name).read_bytes() == (clean / name).read_bytes()
    # a run folder scores the same when given back with --pred (run.json is left aside)
    code, again, _ = run(["evaluate", "--pred", str(crashed), "--bootstrap", "20", "--json"],
                         capsys)
    assert code == 0 and json.loads(again) == json.loads(uninterrupted)


def test_interrupt_loses_only_the_document_in_flight(
        tmp_path: Path, plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    monkeypatch.setenv("PLUGIN_INTERRUPT", "palmyra-002")
    code, out, err = run(evaluate("run_test_plugin:extract", folder), capsys)
    assert code == 130 and out == ""
    assert "palmyra evaluate: interrupted" in err and f"--resume --output-dir {folder}" in err
    assert predictions(folder) == ["palmyra-000.json", "palmyra-001.json"]
    assert manifest(folder)["status"] == "interrupted"
    assert statuses(folder)["palmyra-002"] == "interrupted"
    assert not list(folder.glob(".*.tmp"))  # no half-written file is left behind

    monkeypatch.delenv("PLUGIN_INTERRUPT")
    code, out, _ = run([*evaluate("run_test_plugin:extract", folder), "--resume"], capsys)
    assert code == 0 and "signature: palmyra:" in out
    assert predictions(folder) == [f"{d}.json" for d in DOCS]


def test_resume_redoes_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    folder = tmp_path / "run"
    assert run(evaluate("baseline", folder), capsys)[0] == 0
    good = (folder / "palmyra-003.json").read_text(encoding="utf-8")
    (folder / "palmyra-003.json").write_text("{ truncated", encoding="utf-8")
    code, _, err = run([*evaluate("baseline", folder), "--resume"], capsys)
    assert code == 0 and "1 written, 4 kept" in err
    assert (folder / "palmyra-003.json").read_text(encoding="utf-8") == good


def test_keep_going_records_the_failure_and_scores_the_rest(
        tmp_path: Path, plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    monkeypatch.setenv("PLUGIN_FAIL", "palmyra-001")
    code, out, err = run([*evaluate("run_test_plugin:extract", folder), "--keep-going",
                          "--json"], capsys)
    assert code == 0
    assert json.loads(out)["documents"]["missing_predictions"] == ["palmyra-001"]
    assert ("palmyra evaluate: warning: palmyra-001 failed (raised RuntimeError: boom); "
            "scored as an empty prediction") in err.splitlines()
    assert manifest(folder)["status"] == "incomplete"
    assert statuses(folder)["palmyra-001"] == "failed"
    assert len(predictions(folder)) == 4


# --- invalid results -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "why"), [
    ("bad_text", "returned an invalid annotation document: $.entities[0].text: expected "),
    ("not_a_document", "returned int, expected an annotation document (a dict or "
                       "palmyra.annotations.AnnotationDocument)"),
    ("wrong_doc_id", "$.doc_id: expected 'palmyra-000', found 'palmyra-999'"),
])
def test_an_invalid_result_is_one_line_and_exit_1(
        name: str, why: str, tmp_path: Path, plugin: types.ModuleType,
        capsys: pytest.CaptureFixture[str]) -> None:
    spec = f"run_test_plugin:{name}"
    code, out, err = run(evaluate(spec, tmp_path / "run"), capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3  # where the run goes, the problem, how to continue
    assert lines[1].startswith(f"palmyra evaluate: extractor '{spec}' on palmyra-000: {why}")
    assert predictions(tmp_path / "run") == []


def test_missing_fields_are_filled(tmp_path: Path, plugin: types.ModuleType,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    code, out, _ = run(evaluate("run_test_plugin:minimal", folder), capsys)
    assert code == 0
    assert json.loads((folder / "palmyra-003.json").read_text(encoding="utf-8")) == {
        "schema_version": "1.0.0", "doc_id": "palmyra-003", "status": "prediction",
        "entities": []}
    assert "entities (scores in %)" in out and "numbers (scores in %)" not in out


def test_normalize() -> None:
    doc = Document("t-1", "Text.", {})
    assert normalize(AnnotationDocument("t-1", entities=()), doc) == (
        {"schema_version": "1.0.0", "doc_id": "t-1", "entities": [], "status": "prediction"},
        None)
    data, why = normalize({"numbers": [{"start": 0, "end": 4, "text": "Text",
                                        "kind": "count", "value": float("nan")}]}, doc)
    assert data is None and why is not None and why.startswith("not JSON:")
    assert normalize({"entities": ({"start": 0, "end": 4, "text": "Text", "type": "ORG"},)},
                     doc)[0]["entities"] == [{"start": 0, "end": 4, "text": "Text",
                                              "type": "ORG"}]


# --- the manifest ----------------------------------------------------------------------------

def test_manifest_contents_and_secret_redaction(tmp_path: Path, plugin: types.ModuleType,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder, spec = tmp_path / "run", "run_test_plugin:Secretive"
    code, _, err = run([*evaluate(spec, folder), "--option", "api_key=hunter2", "--option",
                        "model=m1", "--option", "Auth_Token=t0k"], capsys)
    assert code == 0, err
    text = (folder / MANIFEST).read_text(encoding="utf-8")
    assert "hunter2" not in text and "t0k" not in text
    data = json.loads(text)
    assert list(data) == ["manifest_version", "spec", "options", "palmyra_version", "corpus",
                          "started", "finished", "status", "documents"]
    assert data["spec"] == spec and data["manifest_version"] == 1
    assert data["options"] == {"api_key": REDACTED, "model": "m1", "Auth_Token": REDACTED}
    assert data["palmyra_version"] == palmyra.__version__ and data["corpus"] == "bundled"
    assert re.fullmatch(STAMP, data["started"]) and re.fullmatch(STAMP, data["finished"])
    assert data["started"] <= data["finished"] and data["status"] == "complete"
    assert list(data["documents"]) == DOCS
    for entry in data["documents"].values():
        assert set(entry) == {"status", "seconds"} and entry["status"] == "done"
        assert isinstance(entry["seconds"], float) and entry["seconds"] >= 0

    # resuming needs the same extractor and options (secret values are not compared)
    code, _, err = run([*evaluate(spec, folder), "--resume", "--option", "api_key=other",
                        "--option", "model=m2", "--option", "Auth_Token=t"], capsys)
    assert code == 2 and "--resume needs the same extractor and options" in err
    code, _, err = run([*evaluate("baseline", folder), "--resume"], capsys)
    assert code == 2 and "holds a run of 'run_test_plugin:Secretive'" in err
    code, _, err = run([*evaluate(spec, folder), "--resume", "--option", "api_key=other",
                        "--option", "model=m1", "--option", "Auth_Token=x"], capsys)
    assert code == 0 and "5 kept" in err


# --- folders and exit codes ------------------------------------------------------------------

def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    assert run(evaluate("baseline", folder), capsys)[0] == 0
    code, _, err = run(evaluate("baseline", folder), capsys)
    assert code == 2 and "already holds 5 prediction file(s); continue that run with " \
                         "--resume" in err
    code, _, err = run(["evaluate", "--extractor", "baseline", "--resume"], capsys)
    assert code == 2 and "--resume needs --output-dir" in err
    code, _, err = run(["evaluate", "--pred", str(folder), "--output-dir", str(folder),
                        "--keep-going"], capsys)
    assert code == 2 and "--output-dir, --keep-going: only with --extractor" in err
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = run(evaluate("baseline", tmp_path / "file"), capsys)
    assert code == 2 and "exists and is not a folder" in err
    for argv in (["evaluate"], ["evaluate", "--pred", str(folder), "--extractor", "baseline"]):
        with pytest.raises(SystemExit) as usage:
            cli.main(argv)
        assert usage.value.code == 2
    capsys.readouterr()


def test_default_output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime(2016, 12, 11, 8, 30, 5, tzinfo=timezone.utc)
    first = default_output_dir("spacy:en_core_web_sm", tmp_path, now)
    assert first == tmp_path / "runs" / "spacy-en_core_web_sm-20161211T083005Z"
    first.mkdir(parents=True)
    assert default_output_dir("spacy:en_core_web_sm", tmp_path, now).name == \
        "spacy-en_core_web_sm-20161211T083005Z-2"

    monkeypatch.chdir(tmp_path)
    code, _, err = run(["evaluate", "--extractor", "baseline", "--bootstrap", "0"], capsys)
    assert code == 0
    made = [p for p in (tmp_path / "runs").iterdir() if p.name.startswith("baseline-")]
    assert len(made) == 1 and re.fullmatch(r"baseline-\d{8}T\d{6}Z", made[0].name)
    assert f"predictions in {made[0]}" in err
    assert predictions(made[0]) == [f"{d}.json" for d in DOCS]


def test_runs_the_documents_the_gold_covers(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    for name in ("clusters.json", "palmyra-001.json", "palmyra-004.json"):
        shutil.copy(annotations_dir() / name, gold / name)
    folder = tmp_path / "run"
    code, out, err = run([*evaluate("baseline", folder), "--gold", str(gold), "--json"],
                         capsys)
    assert code == 0, err
    assert predictions(folder) == ["palmyra-001.json", "palmyra-004.json"]
    assert json.loads(out)["documents"]["scored"] == ["palmyra-001", "palmyra-004"]


# --- the library: runner, progress -----------------------------------------------------------

def test_run_extractor_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = load_corpus()
    docs = [corpus[d] for d in DOCS[:2]]
    summary = run_extractor(Baseline(), docs, tmp_path / "lib", spec="baseline")
    assert (summary.status, summary.written, summary.kept, summary.failed) == \
        ("complete", DOCS[:2], [], {})
    assert summary.manifest == tmp_path / "lib" / MANIFEST
    assert capsys.readouterr().err == ""  # not a terminal: no progress line
    read = read_predictions(tmp_path / "lib")
    assert sorted(read) == DOCS[:2]
    assert read["palmyra-000"] == AnnotationDocument.from_dict(
        Baseline()(corpus["palmyra-000"]).to_dict())

    def broken(doc: Document) -> dict:
        raise ValueError("no model")

    with pytest.raises(RunError) as failed:
        run_extractor(broken, docs, tmp_path / "broken", spec="x")
    assert failed.value.exit_code == 1
    assert failed.value.problems == ["extractor 'x' on palmyra-000: raised ValueError: no model"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only() -> None:
    quiet = io.StringIO()
    progress = Progress(4, stream=quiet)
    progress.update(done=1, current="d1")
    progress.close()
    assert not progress.enabled and quiet.getvalue() == ""

    ticks = iter([100.0, 102.0, 104.0, 104.0])
    screen = _Terminal()
    progress = Progress(4, stream=screen, clock=lambda: next(ticks))
    progress.update(skipped=1, current="d1")  # kept from an earlier run: not in the rate
    progress.update(done=1, current="d2")
    progress.update(done=1, current="d3")
    progress.close()
    assert screen.getvalue() == (
        "\r1/4 documents (25%), 0.0 doc/s, ETA --:--  d1"
        "\r2/4 documents (50%), 0.2 doc/s, ETA 0:08  d2 "  # padded over the longer line
        "\r3/4 documents (75%), 0.5 doc/s, ETA 0:02  d3"
        "\n")


# --- end to end and the HTML report ------------------------------------------------------------

def test_end_to_end_baseline_prints_tables_and_signatures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["evaluate", "--extractor", "baseline", "--output-dir",
                          str(tmp_path / "tmp")], capsys)
    assert code == 0, err
    layers = ["entities", "bio", "events", "numbers", "attributions", "coreference"]
    for layer in layers:
        assert f"\n{layer} (scores in %)\n" in out
    signatures = re.findall(r"^signature: (\S+)$", out, re.M)
    assert [re.search(r"\|layers?:([a-z+]+)\|", s).group(1) for s in signatures] == \
        [*layers, "+".join(layers)]  # one per layer, then the run's
    assert all(re.fullmatch(r"palmyra:0\.1\.0\|gold:sha256:[0-9a-f]{12}\|.*"
                            r"\|bootstrap:1000\|seed:12345", s) for s in signatures)
    assert out.startswith("palmyra evaluate: 5 gold documents scored")


def _fake_html(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    module = types.ModuleType("palmyra.report.html")
    module.__spec__ = importlib.machinery.ModuleSpec("palmyra.report.html", None)
    module.write_report = lambda *args: calls.append(args)
    monkeypatch.setitem(sys.modules, "palmyra.report.html", module)
    return calls


def test_html_report_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    calls = _fake_html(monkeypatch)
    folder, page = tmp_path / "run", tmp_path / "report.html"
    assert run([*evaluate("baseline", folder), "--html", str(page)], capsys)[0] == 0
    assert run(["evaluate", "--pred", str(folder), "--bootstrap", "0", "--html", str(page)],
               capsys)[0] == 0
    assert len(calls) == 2
    for path, result, gold, preds, corpus in calls:
        assert path == str(page) and isinstance(result, Result)
        assert sorted(gold) == sorted(preds) == sorted(corpus) == DOCS
        assert isinstance(gold, Mapping) and isinstance(preds, Mapping)
        assert all(isinstance(x, AnnotationDocument) for x in [*gold.values(), *preds.values()])
        assert all(isinstance(x, Document) for x in corpus.values())
    assert calls[0][3] == calls[1][3]  # the same predictions, read back from the folder


def test_html_report_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "palmyra.report.html", None)  # as if it did not exist
    code, out, err = run([*evaluate("baseline", tmp_path / "run"), "--html",
                          str(tmp_path / "r.html")], capsys)
    assert (code, out) == (2, "")
    assert err == "palmyra evaluate: --html: HTML report not available\n"
    assert not (tmp_path / "run").exists()  # checked before any work
    code, _, err = run(["evaluate", "--pred", str(annotations_dir()), "--html",
                        str(tmp_path / "r.html")], capsys)
    assert code == 2 and "HTML report not available" in err


def test_real_html_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("palmyra.report.html")
    page = tmp_path / "report.html"
    code, _, err = run([*evaluate("baseline", tmp_path / "run"), "--html", str(page)], capsys)
    assert code == 0, err
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
