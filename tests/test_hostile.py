"""Hostile input against every entry point that reads files: `palmyra validate`,
`palmyra evaluate` (predictions and gold) and every importer (`palmyra convert import brat |
labelstudio | conll`).

Each case must give a clear line per problem (file, JSON path or line, what was expected,
what was found), the documented exit code (1 invalid input, 2 a path that cannot be used),
no traceback, and leave every file as it was: nothing read is modified, nothing is written.
Memory stays bounded on a 200 MB prediction file (JSONL is read one line at a time), and no
code runs from data (JSON and yaml.safe_load only).

The commands run in this process (fast, and an uncaught exception fails the test with its
traceback); a few run as subprocesses to check the process as a whole (exit code, standard
error, peak memory).
"""

from __future__ import annotations

import builtins
import copy
import errno
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import GOLD_004, write_json
from palmyra.annotations import AnnotationDocument
from palmyra.cli import main
from palmyra.corpus import load_corpus
from palmyra.formats import FormatError, check_imported
from palmyra.formats.brat import read_ann, write_ann
from palmyra.formats.conll import write_conll
from palmyra.formats.labelstudio import export_tasks, read_task
from palmyra.ontology import load_ontology
from palmyra.paths import annotations_dir, corpus_dir
from palmyra.validate import validate_document

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evaluate" / "palmyra"
TEXT_004 = (corpus_dir() / "palmyra-004.txt").read_text(encoding="utf-8")
LENGTH_004 = len(TEXT_004)  # 2723


# --------------------------------------------------------------------------- running


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> Run:
    """`palmyra ARGS` in this process, from tmp_path: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def call(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


# The functions the `unreadable` fixture may replace, for the test's own reading.
_OPEN, _SCANDIR = io.open, os.scandir


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: kind, permissions, modification time, content hash."""
    out: dict[str, tuple] = {}
    try:
        with _SCANDIR(root) as entries:
            found = sorted(entries, key=lambda e: e.name)
    except PermissionError:
        return out
    for entry in found:
        path = Path(entry.path)
        st = path.lstat()
        content: object = None
        if path.is_symlink():
            content = os.readlink(path)
        elif path.is_dir():
            content = snapshot(path)
        else:
            try:
                with _OPEN(path, "rb") as fh:
                    content = hashlib.sha256(fh.read()).hexdigest()
            except PermissionError:
                content = "unreadable"
        out[entry.name] = (st.st_mode, st.st_mtime_ns, content)
    return out


SUMMARY = re.compile(r"palmyra (validate|evaluate|convert): .*")


def refused(run: Run, argv: list[str], root: Path, expected: str, code: int = 1) -> list[str]:
    """Run a command that must refuse its input: the exit code, the expected message on one
    line, one line per problem, no traceback, nothing under root changed or written.
    Returns the problem lines."""
    before = snapshot(root)
    got, out, err = run(*argv)
    lines = [line for line in (out + err).splitlines() if line]
    assert "Traceback" not in out + err
    assert got == code, out + err
    assert any(expected in line for line in lines), (expected, lines)
    assert snapshot(root) == before  # nothing modified, nothing written
    problems = [line for line in lines if not SUMMARY.fullmatch(line)]
    counted = re.search(r"(\d+) problems?", err)
    if code == 1 and counted and argv[0] != "validate":  # "N problems; nothing scored"
        assert len(problems) == int(counted.group(1)), lines
    return problems


def prediction(status: str = "prediction") -> dict:
    """The conftest gold document of palmyra-004, as a prediction (or as gold)."""
    doc = copy.deepcopy(GOLD_004)
    doc["status"] = status
    return doc


# --------------------------------------------------------------------------- documents


def _text(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=True).encode("utf-8")


def _with(change: Callable[[dict], None]) -> Callable[[dict], bytes]:
    def build(doc: dict) -> bytes:
        change(doc)
        return _text(doc)
    return build


def _replace(old: str, new: str) -> Callable[[dict], bytes]:
    def build(doc: dict) -> bytes:
        text = _text(doc).decode("utf-8")
        assert old in text
        return text.replace(old, new, 1).encode("utf-8", "surrogateescape")  # \udcff: 0xff
    return build


def _entity0(**fields: object) -> Callable[[dict], None]:
    return lambda doc: doc["entities"][0].update(fields)


def _nested(depth: int) -> Callable[[dict], None]:
    return lambda doc: doc.update(notes=json.loads("[" * depth + "]" * depth))


# (id, the file's bytes from a valid document, the expected problem: "<JSON path>: <text>")
DOCUMENT_CASES: list[tuple[str, Callable[[dict], bytes], str]] = [
    ("truncated", lambda doc: _text(doc)[:-30], "$: not valid JSON: "),
    ("empty", lambda doc: b"", "$: empty: expected"),
    ("not-utf8", _replace('"palmyra-004"', '"palmyra-004\udcff"'),
     "$: not UTF-8: byte 0xff at line 1 (byte offset 50) is not valid UTF-8"),
    ("byte-order-mark", lambda doc: b"\xef\xbb\xbf" + _text(doc),
     "$: starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM"),
    ("duplicate-key", _replace('"type": "ORG"', '"type": "ORG", "type": "PER"'),
     "$.entities[0].type: duplicate key: JSON keeps only the last value"),
    ("deeply-nested", lambda doc: b"[" * 100_000 + b"]" * 100_000,
     "$: cannot be read: nested too deeply"),
    ("nested-in-a-field", _with(_nested(500)), "$.notes: expected string, found array [[["),
    ("wrong-type", _with(_entity0(start="239")),
     '$.entities[0].start: expected integer, found string "239"'),
    ("integer-too-long-to-read", _replace('"start": 239', '"start": ' + "9" * 5000),
     "$: not valid JSON: an integer of more than 4300 digits"),
    ("integer-beyond-a-double", _with(lambda doc: doc["numbers"][0].update(low=10 ** 400)),
     "$.numbers[0].low: expected a number within the range of a double (about 1.8e308), "
     "found an integer of 401 digits"),
    ("number-beyond-a-double", _replace('"low": 4000', '"low": 1e400'),
     "$.numbers[0].low: expected a number within the range of a double (about 1.8e308), "
     "found inf"),
    ("nan", _replace('"low": 4000', '"low": NaN'), "$: not valid JSON: NaN is not a JSON number"),
    ("huge-offsets", _with(_entity0(start=10 ** 30, end=10 ** 30 + 1)),
     f"$.entities[0].end: expected an end <= {LENGTH_004} (the length of the text), found "
     f"{10 ** 30 + 1}"),
    ("negative-offset", _with(_entity0(start=-5)),
     "$.entities[0].start: expected a number >= 0, found -5"),
    ("reversed-offsets", _with(_entity0(start=267, end=239)),
     "$.entities[0].end: expected an end after start 267, found 239"),
    ("offset-past-the-end", _with(_entity0(start=LENGTH_004 - 3, end=LENGTH_004 + 7)),
     f"$.entities[0].end: expected an end <= {LENGTH_004} (the length of the text), found "
     f"{LENGTH_004 + 7}"),
    ("lone-surrogate", _with(_entity0(text="The Islamic State \ud800")),
     "$.entities[0].text: expected text in Unicode, found a lone surrogate U+D800 (an "
     "unpaired \\ud800 escape)"),
    ("doc-id-with-parent-folder", _with(lambda doc: doc.update(doc_id="../palmyra-004")),
     '$.doc_id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$, found '
     '"../palmyra-004"'),
    ("doc-id-with-separators",
     _with(lambda doc: doc.update(doc_id="palmyra-004/../palmyra-004")),
     '$.doc_id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$, found '
     '"palmyra-004/../palmyra-004"'),
    ("doc-id-dot-dot", _with(lambda doc: doc.update(doc_id="..")),
     '$.doc_id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$, found ".."'),
    ("doc-id-absolute", _with(lambda doc: doc.update(doc_id="/etc/passwd")),
     '$.doc_id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$, found '
     '"/etc/passwd"'),
]

TARGETS = {
    "validate": lambda path: ["validate", path],
    "evaluate-predictions": lambda path: ["evaluate", "--pred", path, "--bootstrap", "0",
                                          "--output", "scores.json"],
    "evaluate-gold": lambda path: ["evaluate", "--gold", path, "--pred", path,
                                   "--bootstrap", "0", "--output", "scores.json"],
}


@pytest.mark.parametrize("jsonl", [False, True], ids=["json", "jsonl"])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in DOCUMENT_CASES],
                         ids=[c[0] for c in DOCUMENT_CASES])
def test_hostile_documents_are_refused_with_one_line_each(
        tmp_path: Path, run: Run, target: str, jsonl: bool,
        build: Callable[[dict], bytes], expected: str) -> None:
    doc = prediction("gold" if target == "evaluate-gold" else "prediction")
    name = "run.jsonl" if jsonl else "palmyra-004.json"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(build(doc))
    if jsonl:
        # A JSONL problem is on its line; a whole-file one (a byte order mark) on the file.
        expected = expected.replace("at line 1, column", "at column")
        expected = expected.replace("empty: expected", "empty: expected one JSON object")
    problems = refused(run, TARGETS[target](f"in/{name}"), tmp_path, expected)
    whole_file = ("byte order mark", "empty", "not UTF-8")  # reported on the file
    line = "" if not jsonl or any(w in expected for w in whole_file) else "1:"
    assert f"in/{name}:{line}{expected}" in "\n".join(problems)
    assert not (tmp_path / "scores.json").exists()


def _leaf_paths(node: object, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, (*prefix, k))] or [prefix]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, (*prefix, i))] or [prefix]
    return [prefix]


def _wrong(value: object) -> object:
    """A value of another JSON type than `value`."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return [value]
    return 7


def _json_path(parts: tuple) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def test_wrong_types_at_every_field_are_refused(tmp_path: Path, run: Run) -> None:
    """One JSONL file, one line per field of a valid document given a value of another type:
    every line is refused at that field, by the validator and by evaluate."""
    base = prediction()
    paths = _leaf_paths(base)
    assert len(paths) > 150  # every field of every layer
    lines = []
    for parts in paths:
        doc = copy.deepcopy(base)
        node = doc
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = _wrong(node[parts[-1]])
        lines.append(json.dumps(doc))
    (tmp_path / "run.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for argv in (["validate", "run.jsonl"], ["evaluate", "--pred", "run.jsonl"]):
        problems = refused(run, argv, tmp_path, "expected")
        for number, parts in enumerate(paths, start=1):
            where = f"run.jsonl:{number}:{_json_path(parts)}: "
            assert any(p.startswith(where) for p in problems), where


# --------------------------------------------------------------------------- Unicode


# Code points as they are: an NFC "ë", an NFD "e" + U+0308, an emoji outside the BMP (two
# UTF-16 code units), Windows line ends.
UNICODE_TEXT = ("Zo\u00eb met Zoe\u0308 in Montr\u00e9al.\r\n"
                "The \U0001F600 unit left Que\u0301bec.\r\n")


def _span(text: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = UNICODE_TEXT.index(text, start + 1)
    return {"start": start, "end": start + len(text), "text": text}


@pytest.fixture
def unicode_corpus(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A corpus of one document (unicode-1) with its gold folder: (corpus, gold, gold doc)."""
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    (corpus / "unicode-1.txt").write_bytes(UNICODE_TEXT.encode("utf-8"))
    write_json(corpus / "unicode-1.json", {
        "doc_id": "unicode-1", "length": len(UNICODE_TEXT),
        "sha256": hashlib.sha256(UNICODE_TEXT.encode("utf-8")).hexdigest(),
        "zones": [{"type": "body", "start": 0, "end": len(UNICODE_TEXT)}]})
    entities = [("Zo\u00eb", "PER", "E:zoe"), ("Zoe\u0308", "PER", "E:zoe"),
                ("Montr\u00e9al.\r\nThe", "GPE", "E:montreal"),
                ("Que\u0301bec", "GPE", "E:quebec")]
    doc = {"schema_version": "1.0.0", "doc_id": "unicode-1", "status": "gold",
           "entities": [{"id": f"m{i + 1}", **_span(text), "type": kind, "level": "NAM",
                         "cluster": cluster} for i, (text, kind, cluster) in enumerate(entities)],
           "events": [], "numbers": [], "attributions": []}
    write_json(gold / "unicode-1.json", doc)
    write_json(gold / "clusters.json", {
        "schema_version": "1.0.0",
        "entities": [{"id": c, "type": t, "name": c[2:]} for c, t in
                     (("E:zoe", "PER"), ("E:montreal", "GPE"), ("E:quebec", "GPE"))],
        "events": []})
    return corpus, gold, doc


def test_offsets_count_code_points_of_the_text_as_it_is(unicode_corpus, run: Run) -> None:
    """Combining characters, an emoji and CRLF are code points like any other: the gold
    scores 1.0 against itself, read from a JSONL file with CRLF line ends."""
    corpus, gold, doc = unicode_corpus
    pred = {**doc, "status": "prediction"}
    Path("run.jsonl").write_bytes(json.dumps(pred).encode("utf-8") + b"\r\n\r\n")
    code, out, err = run("evaluate", "--pred", "run.jsonl", "--gold", str(gold), "--corpus",
                         str(corpus), "--layers", "entities", "--bootstrap", "0", "--json")
    assert code == 0, err
    assert json.loads(out)["layers"]["entities"]["strict"]["f1"] == 1.0


@pytest.mark.parametrize(("index", "other"), [(0, "Zoe\u0308"), (1, "Zo\u00eb"),
                                              (3, "Qu\u00e9bec")],
                         ids=["nfd-for-nfc", "nfc-for-nfd", "nfc-for-nfd-offsets"])
def test_another_normalization_form_is_named(unicode_corpus, run: Run, index: int,
                                             other: str) -> None:
    corpus, gold, doc = unicode_corpus
    pred = copy.deepcopy({**doc, "status": "prediction"})
    pred["entities"][index]["text"] = other
    write_json(Path("unicode-1.json"), pred)
    for argv in (["validate", "unicode-1.json", "--corpus", str(corpus)],
                 ["evaluate", "--pred", "unicode-1.json", "--gold", str(gold), "--corpus",
                  str(corpus)]):
        problems = refused(run, argv, Path.cwd(), "equal only after Unicode normalization")
        assert problems[0].startswith(f"unicode-1.json:$.entities[{index}].text: expected ")


def test_importers_name_another_normalization_form(unicode_corpus, run: Run) -> None:
    corpus, _, _ = unicode_corpus
    start = UNICODE_TEXT.index("Que\u0301bec")
    Path("brat").mkdir()
    Path("brat/unicode-1.ann").write_text(f"T1\tGPE {start} {start + 7}\tQu\u00e9bec\n",
                                          encoding="utf-8")
    refused(run, ["convert", "import", "brat", "brat", "out", "--corpus", str(corpus)],
            Path.cwd(), "equal only after Unicode normalization")
    task = [{"data": {"doc_id": "unicode-1"}, "annotations": [{"result": [
        {"id": "m1", "type": "labels", "from_name": "entity", "to_name": "text",
         "value": {"start": start, "end": start + 7, "text": "Qu\u00e9bec",
                   "labels": ["GPE"]}}]}]}]
    write_json(Path("tasks.json"), task)
    refused(run, ["convert", "import", "labelstudio", "tasks.json", "out", "--corpus",
                  str(corpus)], Path.cwd(), "equal only after Unicode normalization")


def test_label_studio_utf16_offsets_after_an_emoji_are_named(unicode_corpus, run: Run) -> None:
    corpus, _, _ = unicode_corpus
    start = UNICODE_TEXT.index("unit")
    task = [{"data": {"doc_id": "unicode-1"}, "annotations": [{"result": [
        {"id": "m1", "type": "labels", "from_name": "entity", "to_name": "text",
         "value": {"start": start + 1, "end": start + 5, "text": "unit", "labels": ["ORG"]}}]}]}]
    write_json(Path("tasks.json"), task)
    refused(run, ["convert", "import", "labelstudio", "tasks.json", "out", "--corpus",
                  str(corpus)], Path.cwd(), "the offsets look like UTF-16 code units")


def test_crlf_files_read_like_lf_files(tmp_path: Path, run: Run) -> None:
    """brat, CoNLL and JSONL files with Windows line ends give the documents LF files give."""
    gold = str(annotations_dir() / "palmyra-004.json")
    assert run("convert", "export", "brat", gold, "brat")[0] == 0
    assert run("convert", "export", "conll", gold, "lf.conll")[0] == 0
    shutil.copytree("brat", "brat-crlf")
    ann = Path("brat-crlf/palmyra-004.ann")
    ann.write_bytes(ann.read_bytes().replace(b"\n", b"\r\n"))
    Path("crlf.conll").write_bytes(Path("lf.conll").read_bytes().replace(b"\n", b"\r\n"))
    for fmt, lf, crlf in (("brat", "brat", "brat-crlf"), ("conll", "lf.conll", "crlf.conll")):
        assert run("convert", "import", fmt, lf, f"{fmt}-lf")[0] == 0
        assert run("convert", "import", fmt, crlf, f"{fmt}-crlf")[0] == 0
        assert Path(f"{fmt}-lf/palmyra-004.json").read_bytes() == \
            Path(f"{fmt}-crlf/palmyra-004.json").read_bytes()
    line = json.dumps(prediction())
    Path("lf.jsonl").write_text(line + "\n", encoding="utf-8")
    Path("crlf.jsonl").write_bytes((line + "\r\n").encode("utf-8"))
    scores = [run("evaluate", "--pred", name, "--layers", "entities", "--bootstrap", "0",
                  "--json") for name in ("lf.jsonl", "crlf.jsonl")]
    assert scores[0][0] == scores[1][0] == 0
    assert scores[0][1] == scores[1][1]


# --------------------------------------------------------------------------- importers


def _ann(text: str | bytes) -> Callable[[Path], None]:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return lambda folder: (folder / "palmyra-004.ann").write_bytes(data)


def _meta(text: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        _ann(_T1)(folder)
        (folder / "palmyra.json").write_text(text, encoding="utf-8")
    return write


_T1 = "T1\tORG 239 267\tThe Islamic State (IS) group\n"
_NUMBER = "T1\tNumber 963 978\tmore than 4,000\nA1\tKind T1 count\n"

BRAT_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("truncated-line", _ann("T1\tORG 239"), "T1: expected 'T<n><TAB>TYPE START END"),
    ("offsets-too-long-to-read", _ann(f"T1\tORG 239 {'9' * 5000}\tx\n"),
     f"end is beyond the text ({LENGTH_004} characters)"),
    ("negative-offset", _ann("T1\tORG -1 267\tx\n"), "T1: expected 'T<n><TAB>TYPE START END"),
    ("reversed-offsets", _ann("T1\tORG 267 239\tx\n"), "T1: offsets 267 239: expected start < end"),
    ("offset-past-the-end", _ann(f"T1\tORG 2720 {LENGTH_004 + 7}\tx\n"),
     f"T1: offsets 2720 {LENGTH_004 + 7}: end is beyond the text ({LENGTH_004} characters)"),
    ("non-ascii-digits", _ann("T1\tORG \u0662\u0663\u0669 \u0662\u0666\u0667\tThe\n"),
     "T1: expected 'T<n><TAB>TYPE START END"),
    ("lone-surrogate-in-a-note", _ann(_T1 + '#1\tAnnotatorNotes T1\tnote="a \\ud800"\n'),
     "T1 ($.entities[0].note): expected text in Unicode, found a lone surrogate U+D800"),
    ("surrogate-bytes", _ann("T1\tORG 239 267\tThe Islamic State (IS) group\ud800\n"),
     "palmyra-004.ann:1: not UTF-8: byte 0xed (byte offset 43) is not valid UTF-8"),
    ("byte-order-mark", _ann(b"\xef\xbb\xbf" + _T1.encode()),
     "palmyra-004.ann: starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM"),
    ("number-beyond-a-double", _ann(_NUMBER + "#1\tAnnotatorNotes T1\tvalue=1e400\n"),
     "T1 ($.numbers[0].value): expected a number within the range of a double (about "
     "1.8e308), found inf"),
    ("nan", _ann(_NUMBER + "#1\tAnnotatorNotes T1\tvalue=NaN\n"),
     "T1 ($.numbers[0].value): expected a number within the range of a double (about "
     "1.8e308), found nan"),
    ("integer-too-long-in-a-note", _ann(_NUMBER + f"#1\tAnnotatorNotes T1\tvalue={'1' * 5000}\n"),
     "#1: value: expected a number or null"),
    ("arg-spans-too-long", _ann(_T1 + f"#1\tAnnotatorNotes T1\targ_spans={'1' * 5000}\n"),
     "arg_spans: expected positions such as 0,2"),
    ("meta-truncated", _meta('{"documents": {'), "palmyra.json: $: not valid JSON: "),
    ("meta-duplicate-key", _meta('{"documents": {}, "documents": {}}'),
     "palmyra.json: $.documents: duplicate key: JSON keeps only the last value"),
    ("meta-deeply-nested", _meta("[" * 100_000 + "]" * 100_000),
     "palmyra.json: $: cannot be read: nested too deeply"),
    ("meta-integer-too-long", _meta('{"documents": ' + "1" * 5000 + "}"),
     "palmyra.json: $: not valid JSON: an integer of more than 4300 digits"),
    ("meta-wrong-type", _meta('{"documents": []}'),
     "palmyra.json: expected an object with 'documents' (doc_id -> fields)"),
    ("meta-wrong-field-type", _meta('{"documents": {"palmyra-004": {"status": 5}}}'),
     "documents.palmyra-004.status: expected a string, found 5"),
]


@pytest.mark.parametrize(("write", "expected"), [c[1:] for c in BRAT_CASES],
                         ids=[c[0] for c in BRAT_CASES])
def test_hostile_brat_files_are_refused(tmp_path: Path, run: Run,
                                        write: Callable[[Path], None], expected: str) -> None:
    (tmp_path / "brat").mkdir()
    write(tmp_path / "brat")
    refused(run, ["convert", "import", "brat", "brat", "out"], tmp_path, expected)
    assert not (tmp_path / "out").exists()


def _task(**value: object) -> list:
    return [{"data": {"doc_id": "palmyra-004"}, "annotations": [{"result": [
        {"id": "m1", "type": "labels", "from_name": "entity", "to_name": "text",
         "value": {"start": 239, "end": 267, "labels": ["ORG"], **value}}]}]}]


def _tasks(data: object) -> bytes:
    return json.dumps(data).encode("utf-8")


LS_RANGE = f"expected 0 <= start < end <= {LENGTH_004} (the length of the text)"
LABEL_STUDIO_CASES: list[tuple[str, bytes, str]] = [
    ("truncated", _tasks(_task())[:-20], "tasks.json: $: not valid JSON: "),
    ("empty", b"", "tasks.json: $: empty: expected"),
    ("not-utf8", b'[{"data": {"doc_id": "\xff"}}]', "tasks.json:1: not UTF-8: byte 0xff"),
    ("byte-order-mark", b"\xef\xbb\xbf" + _tasks(_task()), "tasks.json: starts with a UTF-8 "
                                                           "byte order mark"),
    ("duplicate-key", _tasks(_task()).replace(b'"start": 239', b'"start": 239, "start": 240'),
     "tasks.json: $[0].annotations[0].result[0].value.start: duplicate key"),
    ("deeply-nested", b"[" * 100_000 + b"]" * 100_000, "tasks.json: $: cannot be read: nested "
                                                       "too deeply"),
    ("integer-too-long", _tasks(_task()).replace(b"267", b"9" * 5000),
     "tasks.json: $: not valid JSON: an integer of more than 4300 digits"),
    ("number-beyond-a-double", _tasks(_task()).replace(b"267", b"1e400"),
     "tasks.json: $[0].annotations[0].result[0].value.end: expected a number within the "
     "range of a double"),
    ("lone-surrogate", _tasks(_task(text="\ud800")),
     "tasks.json: $[0].annotations[0].result[0].value.text: expected text in Unicode, found "
     "a lone surrogate U+D800"),
    ("negative-offset", _tasks(_task(start=-1)), LS_RANGE),
    ("reversed-offsets", _tasks(_task(start=267, end=239)), LS_RANGE),
    ("offset-past-the-end", _tasks(_task(end=LENGTH_004 + 1)), LS_RANGE),
    ("huge-offsets", _tasks(_task(start=10 ** 30, end=10 ** 30 + 1)), LS_RANGE),
    ("offsets-as-strings", _tasks(_task(start="239")),
     "value.start and value.end: expected integer offsets, found '239' and 267"),
    ("doc-id-with-parent-folder", _tasks([{"data": {"doc_id": "../../etc/passwd"}}]),
     "task 0: data.doc_id '../../etc/passwd' is not a corpus document"),
    ("doc-id-with-separators", _tasks([{"data": {"doc_id": "palmyra-004/../palmyra-004"}}]),
     "task 0: data.doc_id 'palmyra-004/../palmyra-004' is not a corpus document"),
    ("no-tasks", b"[]", "tasks.json: no tasks (an empty list)"),
    ("annotations-not-a-list", _tasks([{"data": {"doc_id": "palmyra-004"}, "annotations": 7}]),
     "task 0 (palmyra-004): annotations: expected a list, found 7"),
    ("not-a-list-of-tasks", b'"tasks"', "tasks.json: expected a list of tasks, found str"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in LABEL_STUDIO_CASES],
                         ids=[c[0] for c in LABEL_STUDIO_CASES])
def test_hostile_label_studio_files_are_refused(tmp_path: Path, run: Run, content: bytes,
                                                expected: str) -> None:
    (tmp_path / "tasks.json").write_bytes(content)
    refused(run, ["convert", "import", "labelstudio", "tasks.json", "out"], tmp_path, expected)
    assert not (tmp_path / "out").exists()


_CONLL = write_conll([AnnotationDocument.from_dict(GOLD_004)], load_corpus())[0]
CONLL_CASES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "in.conll: no tokens: expected 'token<TAB>tag' lines"),
    ("byte-order-mark", b"\xef\xbb\xbf-DOCSTART- palmyra-004\tO\n\nSkip\tO\n",
     "in.conll: starts with a UTF-8 byte order mark"),
    ("not-utf8", b"-DOCSTART- palmyra-004\tO\n\nSkip\xff\tO\n",
     "in.conll:3: not UTF-8: byte 0xff (byte offset 30)"),
    ("doc-id-with-parent-folder", b"-DOCSTART- ../../palmyra-004\tO\n\nSkip\tO\n",
     "in.conll:1: no corpus document '../../palmyra-004'"),
    ("three-columns", b"-DOCSTART- palmyra-004\tO\n\nSkip\tO\tO\n",
     "in.conll:3: expected 'token<TAB>tag', found 3 columns"),
    ("unknown-tag", _CONLL.replace("\tB-ORG\n", "\tB-PERSON\n", 1).encode("utf-8"),
     "unknown tag 'B-PERSON' (expected O, or B- or I- with FAC, GPE, LOC, ORG, PER)"),
    ("truncated", b"-DOCSTART- palmyra-004\tO\n\nIS\tO\n",
     "palmyra-004: the document ends after 1 tokens"),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CONLL_CASES],
                         ids=[c[0] for c in CONLL_CASES])
def test_hostile_conll_files_are_refused(tmp_path: Path, run: Run, content: bytes,
                                         expected: str) -> None:
    (tmp_path / "in.conll").write_bytes(content)
    refused(run, ["convert", "import", "conll", "in.conll", "out"], tmp_path, expected)
    assert not (tmp_path / "out").exists()


def test_a_doc_id_cannot_leave_the_corpus_folder(tmp_path: Path, run: Run) -> None:
    """A document just outside the corpus folder, named by a doc_id with "..": not a
    corpus document, for any importer."""
    shutil.copytree(corpus_dir(), tmp_path / "corpus")
    (tmp_path / "other").mkdir()
    for suffix in (".txt", ".json"):
        shutil.copy(corpus_dir() / f"palmyra-004{suffix}", tmp_path / "other" / f"x{suffix}")
    write_json(tmp_path / "tasks.json", [{"data": {"doc_id": "../other/x"},
                                          "annotations": [{"result": []}]}])
    refused(run, ["convert", "import", "labelstudio", "tasks.json", "out", "--corpus",
                  "corpus"], tmp_path, "task 0: data.doc_id '../other/x' is not a corpus document")
    (tmp_path / "in.conll").write_text("-DOCSTART- ../other/x\tO\n\nIS\tO\n", encoding="utf-8")
    refused(run, ["convert", "import", "conll", "in.conll", "out", "--corpus", "corpus"],
            tmp_path, "in.conll:1: no corpus document '../other/x'")
    assert not (tmp_path / "out").exists()


def _paths_of(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        out += [p for k, v in node.items() for p in _paths_of(v, (*prefix, k))]
    elif isinstance(node, list):
        out += [p for i, v in enumerate(node) for p in _paths_of(v, (*prefix, i))]
    return out


def test_label_studio_wrong_types_at_every_field_never_crash() -> None:
    """Every field of an exported task replaced by a value of another type: a FormatError, a
    validation error or a valid document, never another exception."""
    corpus = load_corpus()
    task = export_tasks([AnnotationDocument.from_dict(GOLD_004)], corpus)[0]
    paths = _paths_of(task)[1:]
    assert len(paths) > 300
    outcomes = {"refused": 0, "accepted": 0}
    for parts in paths:
        for value in (_wrong(_at(task, parts)), [[]]):
            bad = copy.deepcopy(task)
            node = bad
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value
            try:
                item = read_task(bad, corpus, file="tasks.json")
            except FormatError as exc:
                assert all(line.startswith("tasks.json: task 0") for line in exc.problems)
                outcomes["refused"] += 1
                continue
            errors = check_imported([item])[0] if item is not None else []
            outcomes["refused" if errors else "accepted"] += 1
    assert outcomes["refused"] > outcomes["accepted"] > 0  # ignored fields (to_name) exist


def _at(node: object, parts: tuple) -> object:
    for part in parts:
        node = node[part]  # type: ignore[index]
    return node


BRAT_JUNK = ["", "x", "-1", "9" * 5000, "T999", "E1", ":", "1e400", "NaN", "[" * 2000, '"',
             "=", "\u0663", "Time:T1", "A1", "\t"]


def test_brat_junk_in_every_field_never_crashes() -> None:
    """Every space-, tab-, colon- or semicolon-separated field of every line of an exported
    .ann replaced by junk: a FormatError, a validation error or a valid document."""
    corpus = load_corpus()
    text = corpus["palmyra-004"].text
    lines = write_ann(AnnotationDocument.from_dict(GOLD_004), text).split("\n")
    cases = 0
    for i, line in enumerate(lines):
        fields = re.split(r"([\t ;:=])", line)
        for j in range(0, len(fields), 2):
            for junk in (BRAT_JUNK[(i + j) % len(BRAT_JUNK)],
                         BRAT_JUNK[(i + j + 7) % len(BRAT_JUNK)]):
                changed = [*fields[:j], junk, *fields[j + 1:]]
                ann = "\n".join([*lines[:i], "".join(changed), *lines[i + 1:]])
                cases += 1
                try:
                    item = read_ann(ann, doc_id="palmyra-004", text=text, file="f.ann")
                except FormatError as exc:
                    assert all(p.startswith("f.ann") for p in exc.problems), exc.problems
                    continue
                check_imported([item])
    assert cases > 400


# --------------------------------------------------------------------------- files, folders


def _loop(path: Path) -> Path:
    path.symlink_to(path.name)  # a link to itself: ELOOP when opened
    return path


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make a file or folder unreadable. Without root, by its permissions; as root (who
    reads anything), by refusing, in this process, the calls that open files and list
    folders for that path, as the system would."""
    changed: list[tuple[Path, int]] = []

    def deny(path: Path) -> None:
        if os.geteuid() != 0:
            changed.append((path, path.stat().st_mode))
            path.chmod(0)
            return
        target = os.path.abspath(path)

        def guard(real: Callable) -> Callable:
            def call(file: object, *args: object, **kwargs: object) -> object:
                if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) == target:
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
                return real(file, *args, **kwargs)
            return call

        monkeypatch.setattr(builtins, "open", guard(builtins.open))
        monkeypatch.setattr(io, "open", guard(io.open))
        monkeypatch.setattr(os, "listdir", guard(os.listdir))
        monkeypatch.setattr(os, "scandir", guard(os.scandir))

    yield deny
    for path, mode in changed:
        path.chmod(mode)


def test_an_empty_folder(tmp_path: Path, run: Run) -> None:
    (tmp_path / "empty").mkdir()
    refused(run, ["validate", "empty"], tmp_path,
            "empty:$: no annotation documents (*.json, *.jsonl) in this folder")
    refused(run, ["evaluate", "--pred", "empty"], tmp_path,
            "empty: no annotation documents (<doc_id>.json) found (predictions)")
    refused(run, ["evaluate", "--gold", "empty", "--pred", str(annotations_dir())], tmp_path,
            "empty: no annotation documents (<doc_id>.json) found (gold)")
    refused(run, ["convert", "import", "brat", "empty", "out"], tmp_path, "empty: no .ann files")
    refused(run, ["convert", "export", "brat", "empty", "out"], tmp_path,
            "empty: no annotation documents (<doc_id>.json) found")
    assert not (tmp_path / "out").exists()


LOOP = os.strerror(errno.ELOOP)  # "Too many levels of symbolic links"


def test_a_symlink_loop_in_a_folder_is_reported(tmp_path: Path, run: Run) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    write_json(folder / "palmyra-004.json", prediction())
    _loop(folder / "palmyra-003.json")
    refused(run, ["validate", "run"], tmp_path, f"run/palmyra-003.json:$: cannot read: {LOOP}")
    refused(run, ["evaluate", "--pred", "run"], tmp_path,
            f"run/palmyra-003.json:$: cannot read: {LOOP}")
    refused(run, ["convert", "export", "brat", "run", "out"], tmp_path,
            f"run/palmyra-003.json:$: cannot read: {LOOP}")
    (tmp_path / "brat").mkdir()
    _loop(tmp_path / "brat" / "palmyra-004.ann")
    refused(run, ["convert", "import", "brat", "brat", "out"], tmp_path,
            f"brat/palmyra-004.ann: cannot read: {LOOP}")
    assert not (tmp_path / "out").exists()


def test_a_symlink_loop_given_as_the_path_is_a_usage_error(tmp_path: Path, run: Run) -> None:
    _loop(tmp_path / "loop.json")
    refused(run, ["validate", "loop.json"], tmp_path, "no such file or folder: loop.json", 2)
    refused(run, ["evaluate", "--pred", "loop.json"], tmp_path,
            "loop.json: no such file or folder (predictions)", 2)
    for fmt in ("labelstudio", "conll"):
        refused(run, ["convert", "import", fmt, "loop.json", "out"], tmp_path,
                "no such file or folder: loop.json", 2)


def test_unreadable_files_and_folders(tmp_path: Path, run: Run, unreadable) -> None:
    denied = os.strerror(errno.EACCES)  # "Permission denied"
    folder = tmp_path / "run"
    folder.mkdir()
    write_json(folder / "palmyra-004.json", prediction())
    (tmp_path / "run.jsonl").write_text(json.dumps(prediction()) + "\n", encoding="utf-8")
    (tmp_path / "brat").mkdir()
    (tmp_path / "brat" / "palmyra-004.ann").write_text(_T1, encoding="utf-8")
    write_json(tmp_path / "tasks.json", _task())
    (tmp_path / "in.conll").write_text("-DOCSTART- palmyra-004\tO\n", encoding="utf-8")
    for path in ("run/palmyra-004.json", "run.jsonl", "brat/palmyra-004.ann", "tasks.json",
                 "in.conll"):
        unreadable(tmp_path / path)
    refused(run, ["validate", "run"], tmp_path, f"run/palmyra-004.json:$: cannot read: {denied}")
    refused(run, ["validate", "run.jsonl"], tmp_path, f"run.jsonl:$: cannot read: {denied}")
    refused(run, ["evaluate", "--pred", "run"], tmp_path,
            f"run/palmyra-004.json:$: cannot read: {denied}")
    refused(run, ["evaluate", "--pred", "run.jsonl"], tmp_path,
            f"run.jsonl:$: cannot read: {denied}")
    refused(run, ["convert", "import", "brat", "brat", "out"], tmp_path,
            f"brat/palmyra-004.ann: cannot read: {denied}")
    refused(run, ["convert", "import", "labelstudio", "tasks.json", "out"], tmp_path,
            f"tasks.json: cannot read: {denied}")
    refused(run, ["convert", "import", "conll", "in.conll", "out"], tmp_path,
            f"in.conll: cannot read: {denied}")
    unreadable(folder)
    refused(run, ["validate", "run"], tmp_path, f"run:$: cannot read the folder: {denied}")
    refused(run, ["evaluate", "--pred", "run"], tmp_path,
            f"run: cannot read the folder: {denied}")
    assert not (tmp_path / "out").exists()


def test_no_traceback_from_a_process(tmp_path: Path) -> None:
    """The command as a process: hostile input gives exit 1 and problem lines on standard
    error (a lone surrogate in a file name or message is printed escaped)."""
    bad = prediction()
    bad["entities"][0]["text"] = "\ud800"
    (tmp_path / "run.jsonl").write_bytes(_text(bad) + b"\n[[[[\n")
    for argv in (["validate", "run.jsonl"], ["evaluate", "--pred", "run.jsonl"]):
        done = subprocess.run([sys.executable, "-m", "palmyra", *argv], cwd=tmp_path,
                              capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"})
        out = (done.stdout + done.stderr).decode("ascii")
        assert done.returncode == 1, out
        assert "Traceback" not in out
        assert "lone surrogate U+D800" in out and "run.jsonl:2:$: not valid JSON" in out


# --------------------------------------------------------------------------- 200 MB


def _peak_kib(argv: list[str], cwd: Path) -> tuple[int, str, int]:
    """(exit code, standard error, peak resident memory in KiB) of `palmyra ARGV`, measured
    by a fresh parent so that no earlier child counts (getrusage of children is a maximum
    over all of them)."""
    probe = ("import resource, subprocess, sys; "
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.PIPE, text=True); "
             "sys.stderr.write(done.stderr); "
             "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "palmyra", *argv],
                          cwd=cwd, capture_output=True, text=True, check=True)
    code, peak = map(int, done.stdout.split())
    return code, done.stderr, peak // 1024 if sys.platform == "darwin" else peak


def test_a_200_mb_prediction_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A JSONL run over a corpus larger than the gold: the five gold documents and 200
    documents outside the gold, each carrying 1 MB of notes. validate and evaluate read it one
    line at a time and keep only what they need, so peak memory grows by far less than the
    file (reading it whole would hold it three or four times)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir(), corpus)
    gold = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(annotations_dir().glob("palmyra-*.json"))]
    notes = "extractor log line; " * 52_429  # ~1 MB
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    with small.open("w", encoding="utf-8") as s, big.open("w", encoding="utf-8") as b:
        for doc in gold:
            line = json.dumps({**doc, "status": "prediction"}) + "\n"
            s.write(line)
            b.write(line)
        for i in range(200):
            doc_id = f"extra-{i:03d}"
            text = f"Report {i} from Palmyra."
            start = text.index("Palmyra")
            (corpus / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            write_json(corpus / f"{doc_id}.json", {
                "doc_id": doc_id, "length": len(text),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "zones": [{"type": "body", "start": 0, "end": len(text)}]})
            b.write(json.dumps({"schema_version": "1.0.0", "doc_id": doc_id, "notes": notes,
                                "entities": [{"start": start, "end": start + 7,
                                              "text": "Palmyra", "type": "GPE"}]}) + "\n")
    size_mib = big.stat().st_size / 2 ** 20
    assert size_mib > 200
    started = time.perf_counter()
    evaluate = ["evaluate", "--corpus", "corpus", "--layers", "entities", "--bootstrap", "0",
                "--output"]
    peaks = {}
    for name in ("small", "big"):
        code, err, peaks[f"validate-{name}"] = _peak_kib(
            ["validate", f"{name}.jsonl", "--corpus", "corpus"], tmp_path)
        assert (code, err) == (0, "palmyra validate: 1 file, 0 problems\n")
        code, err, peaks[f"evaluate-{name}"] = _peak_kib(
            [*evaluate, f"{name}.json", "--pred", f"{name}.jsonl"], tmp_path)
        assert code == 0, err
    small_scores = json.loads((tmp_path / "small.json").read_text(encoding="utf-8"))
    big_scores = json.loads((tmp_path / "big.json").read_text(encoding="utf-8"))
    assert big_scores["layers"] == small_scores["layers"]
    assert big_scores["layers"]["entities"]["strict"]["f1"] == 1.0
    assert big_scores["documents"]["not_in_gold"] == [f"extra-{i:03d}" for i in range(200)]
    for step in ("validate", "evaluate"):
        growth = (peaks[f"{step}-big"] - peaks[f"{step}-small"]) / 1024
        assert growth < 64, (step, peaks, size_mib)  # MiB, against a file of over 200 MiB
    print(f"200 MB file: {time.perf_counter() - started:.1f} s, peaks (MiB) "
          + ", ".join(f"{k} {v / 1024:.0f}" for k, v in peaks.items()))


# --------------------------------------------------------------------------- no code from data


def test_no_code_runs_from_data() -> None:
    """The package reads data with JSON and yaml.safe_load only: no eval, exec, pickle,
    marshal or unsafe YAML loader anywhere in its source."""
    forbidden = re.compile(r"\b(eval|exec)\(|pickle\.loads?\(|Unpickler|marshal\.|shelve\."
                           r"|yaml\.(load|full_load|unsafe_load|load_all)\(|yaml\.(Unsafe|Full)?"
                           r"Loader\b|__import__\(")
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if forbidden.search(line)]
    assert found == []
    loads = [p for p in PACKAGE.rglob("*.py") if "yaml.safe_load" in p.read_text("utf-8")]
    assert loads  # the ontology and resources are read, safely


def test_yaml_tags_that_build_objects_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "ontology.yaml"
    path.write_text(f"entity_types: !!python/object/apply:os.system ['touch {marker}']\n",
                    encoding="utf-8")
    with pytest.raises(yaml.constructor.ConstructorError):
        load_ontology(path)
    assert not marker.exists()


def test_json_objects_stay_data(tmp_path: Path) -> None:
    """A document shaped like a serialized object is checked as data."""
    doc = prediction()
    doc["entities"][0]["__class__"] = "os.system"
    doc["notes"] = "{{7*7}} <script>alert(1)</script> ${jndi:ldap://x}"
    problems = [str(p) for p in validate_document(doc)]
    assert problems == ["<memory>:$.entities[0].__class__: unexpected property (allowed: id, "
                        "start, end, text, type, level, role, cluster, note)"]
