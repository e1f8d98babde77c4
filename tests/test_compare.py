"""palmyra.compare() and `palmyra compare A B`: paired tests per metric.

Twenty synthetic documents; system B finds every entity, system A every other one, so B is
better on every document. A stand-in entity scorer (strict matching) keeps the values
independent of the per-layer scorers' internals; coreference is scored for real.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import palmyra
from palmyra import cli, evaluation
from palmyra.annotations import AnnotationDocument, Entity, Span, dump
from palmyra.corpus import Document, Zone
from palmyra.scoring import coref
from palmyra.stats import Counts, tally

N_DOCS = 20
WORDS = 12
TYPES = ("PER", "ORG", "GPE")


def _text() -> str:
    return " ".join(f"w{i:03d}" for i in range(WORDS))  # word i spans [5i, 5i + 4)


def _entity(i: int, cluster: str | None, gold: bool) -> Entity:
    span = Span(5 * i, 5 * i + 4, f"w{i:03d}")
    if gold:
        return Entity(span, TYPES[i % 3], f"m{i + 1}", "NAM", cluster=cluster)
    return Entity(span, TYPES[i % 3], cluster=cluster)


def build() -> tuple[dict, dict, dict, dict]:
    """corpus, gold, A, B (mappings)."""
    text = _text()
    corpus, gold, a, b = {}, {}, {}, {}
    for n in range(N_DOCS):
        doc_id = f"c-{n:02d}"
        corpus[doc_id] = Document(doc_id, text, {"doc_id": doc_id},
                                  (Zone("body", 0, len(text)),))
        # Clusters: E:k<i % 3> across documents, so cross-document links exist.
        gold[doc_id] = AnnotationDocument(
            doc_id, "gold", tuple(_entity(i, f"E:k{i % 3}", True) for i in range(8)), (), (), ())
        b[doc_id] = AnnotationDocument(doc_id, entities=tuple(
            _entity(i, f"B{i % 3}", False) for i in range(8)))
        a[doc_id] = AnnotationDocument(doc_id, entities=tuple(
            _entity(i, None, False) for i in range(0, 8, 2)))
    return corpus, gold, a, b


def fake_entities(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    g = {(e.span.start, e.span.end, e.type) for e in gold.layer("entities")}
    p = {(e.span.start, e.span.end, e.type) for e in pred.layer("entities")}
    tp = len(g & p)
    return Counts({("entities", "strict", "*"): tally(tp, len(p) - tp, len(g) - tp)})


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation, "layer_scorers",
                        lambda: {"entities": fake_entities, "coreference": coref.score})


LAYERS = ["entities", "coreference"]


def test_identical_systems_are_never_significant() -> None:
    corpus, gold, a, _ = build()
    result = palmyra.compare(gold, a, dict(a), layers=LAYERS, corpus=corpus, bootstrap=200,
                             trials=500)
    for layer, modes in result.rows.items():
        for mode, row in modes.items():
            assert row["difference"] == 0.0, (layer, mode)
            assert row["significant"] == {"paired_bootstrap": False, "randomization": False}
            if mode.startswith("cross_"):
                assert row["paired_bootstrap_p"] is None and row["randomization_p"] is None
            else:
                assert row["paired_bootstrap_p"] == 1.0 and row["randomization_p"] == 1.0


def test_a_better_system_is_significant() -> None:
    corpus, gold, a, b = build()
    result = palmyra.compare(gold, a, b, layers=LAYERS, corpus=corpus, bootstrap=1000,
                             trials=2000)
    row = result.rows["entities"]["strict"]
    assert row["a"]["f1"] == pytest.approx(2 * 80 / (2 * 80 + 80))  # tp 80, fn 80, fp 0
    assert row["b"]["f1"] == 1.0
    assert row["difference"] == pytest.approx(1 / 3)
    assert row["paired_bootstrap_p"] == pytest.approx(1 / 1001)  # B wins every resample
    assert row["randomization_p"] < 0.01
    assert row["significant"] == {"paired_bootstrap": True, "randomization": True}
    conll = result.rows["coreference"]["entity_conll"]
    assert conll["b"]["f1"] == 1.0 and conll["difference"] > 0
    assert conll["randomization_p"] < 0.01


def test_intervals_are_each_system_s_own_bootstrap() -> None:
    corpus, gold, a, b = build()
    result = palmyra.compare(gold, a, b, layers=LAYERS, corpus=corpus, bootstrap=300,
                             trials=100, seed=4)
    alone = palmyra.evaluate(gold, a, layers=LAYERS, corpus=corpus, bootstrap=300, seed=4)
    for mode in ("strict",):
        assert tuple(result.rows["entities"][mode]["a"]["ci95"]) == alone.intervals[
            ("entities", mode)]
    b3 = result.rows["coreference"]["entity_b3"]["a"]["ci95"]
    assert tuple(b3) == alone.intervals[("coreference", "entity_b3")]


def test_layers_not_predicted_by_both_are_not_compared() -> None:
    corpus, gold, a, b = build()
    no_entities = {d: AnnotationDocument(d) for d in b}
    result = palmyra.compare(gold, a, no_entities, layers=LAYERS, corpus=corpus, bootstrap=0,
                             trials=0)
    assert result.rows == {} and result.not_compared == LAYERS
    assert result.to_dict()["not_compared"] == LAYERS


def test_comparison_json() -> None:
    corpus, gold, a, b = build()
    result = palmyra.compare(gold, a, b, layers=["entities"], corpus=corpus, bootstrap=100,
                             trials=100, names=("base", "new"))
    doc = json.loads(result.to_json())
    assert set(doc) >= {"signature", "gold", "systems", "layers", "not_compared", "documents",
                        "policies"}
    assert doc["systems"] == {"a": "base", "b": "new"}
    assert re.fullmatch(r"palmyra:[^|]+\|gold:sha256:[0-9a-f]{12}\|layers:entities\|"
                        r"trials:100\|bootstrap:100\|seed:12345", doc["signature"])
    row = doc["layers"]["entities"]["strict"]
    assert set(row) == {"a", "b", "difference", "paired_bootstrap_p", "randomization_p",
                        "significant"}
    assert set(row["a"]) == {"f1", "ci95"} and len(row["a"]["ci95"]) == 2


# --- the command line ----------------------------------------------------------------------

def _write(tmp: Path) -> dict[str, Path]:
    corpus, gold, a, b = build()
    folders = {name: tmp / name for name in ("corpus", "gold", "a", "b")}
    for folder in folders.values():
        folder.mkdir()
    for doc_id, doc in corpus.items():
        (folders["corpus"] / f"{doc_id}.txt").write_text(doc.text, encoding="utf-8")
        meta = {"doc_id": doc_id, "sha256": hashlib.sha256(doc.text.encode()).hexdigest(),
                "zones": [{"type": "body", "start": 0, "end": len(doc.text)}]}
        (folders["corpus"] / f"{doc_id}.json").write_text(json.dumps(meta), encoding="utf-8")
    for name, docs in (("gold", gold), ("a", a), ("b", b)):
        for doc in docs.values():
            dump(doc, folders[name] / f"{doc.doc_id}.json")
    registry = {"schema_version": "1.0.0", "events": [],
                "entities": [{"id": f"E:k{i}", "type": TYPES[i % 3], "name": f"k{i}"}
                             for i in range(3)]}
    (folders["gold"] / "clusters.json").write_text(json.dumps(registry), encoding="utf-8")
    return folders


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _write(tmp_path)
    base = ["compare", str(f["a"]), str(f["b"]), "--gold", str(f["gold"]), "--corpus",
            str(f["corpus"]), "--layers", "entities", "coreference"]
    code, out, err = run([*base, "--trials", "2000"], capsys)
    assert code == 0, err
    strict = next(line for line in out.splitlines() if line.startswith("strict"))
    assert "+33.33" in strict and "(p = 0.0010)*" in strict
    assert re.search(r"\(p = 0\.00\d\d\)\*$", strict)
    assert "* p < 0.05" in out and "signature: palmyra:" in out
    code, out, _ = run([*base, "--json", "--bootstrap", "50", "--trials", "50",
                        "--output", str(tmp_path / "cmp.json")], capsys)
    assert code == 0
    assert json.loads(out) == json.loads((tmp_path / "cmp.json").read_text(encoding="utf-8"))
    assert json.loads(out)["systems"] == {"a": str(f["a"]), "b": str(f["b"])}


def test_compare_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _write(tmp_path)
    base = ["compare", str(f["a"]), str(f["b"]), "--gold", str(f["gold"]), "--corpus",
            str(f["corpus"])]
    assert run([*base, "--trials", "-1"], capsys)[0] == 2
    assert run(["compare", str(f["a"])], capsys)[0] == 2
    (f["b"] / "c-03.json").write_text('{"schema_version": "1.0.0"}', encoding="utf-8")
    code, out, err = run(base, capsys)
    assert code == 1 and out == ""
    assert "c-03.json" in err and "doc_id" in err
    assert err.strip().splitlines()[-1].startswith("palmyra compare: ")
