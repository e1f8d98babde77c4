"""palmyra.evaluate() and `palmyra evaluate`: inputs, policies, the JSON contract, exit codes.

A small corpus of three documents is written to a temporary folder. Exact values come from
the coreference scorer and from a stand-in entity scorer registered for the test (strict
span-and-type matching), so that they do not depend on the per-layer scorers' internals.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import palmyra
from palmyra import cli, evaluation
from palmyra.annotations import AnnotationDocument, dump
from palmyra.commands import evaluate as evaluate_command
from palmyra.corpus import Document
from palmyra.io import InputError, UsageError
from palmyra.ontology import load_ontology
from palmyra.scoring import coref
from palmyra.stats import Counts, tally

TEXTS = {
    "t-1": "Islamic State retook Palmyra on Sunday. IS fighters entered the town. Photo: AP",
    "t-2": "Syrian troops left Palmyra.",
    "t-3": "Russia said IS was defeated.",
}
CREDIT = TEXTS["t-1"].index("Photo")


def _span(doc_id: str, text: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = TEXTS[doc_id].index(text, start + 1)
    return {"start": start, "end": start + len(text), "text": text}


def _entity(doc_id: str, text: str, kind: str, cluster: str | None = None, nth: int = 0,
            gold: bool = False, n: int = 1) -> dict:
    out = {**_span(doc_id, text, nth), "type": kind}
    if gold:
        out = {"id": f"m{n}", **out, "level": "NAM"}
    if cluster is not None:
        out["cluster"] = cluster
    return out


def _gold(doc_id: str, entities: list[tuple[str, str, str, int]], events: list[dict]) -> dict:
    return {"schema_version": "1.0.0", "doc_id": doc_id, "status": "gold",
            "entities": [_entity(doc_id, text, kind, cluster, nth, gold=True, n=i + 1)
                         for i, (text, kind, cluster, nth) in enumerate(entities)],
            "events": events, "numbers": [], "attributions": []}


GOLD = {
    "t-1": _gold("t-1", [("Islamic State", "ORG", "E:is", 0), ("Palmyra", "GPE", "E:palmyra", 0),
                         ("IS", "ORG", "E:is", 0), ("the town", "GPE", "E:palmyra", 0)],
                 [{"id": "ev1", "trigger": _span("t-1", "retook"), "type": "Conflict.TakeControl",
                   "realis": "ACTUAL", "cluster": "V:retake"}]),
    "t-2": _gold("t-2", [("Syrian troops", "ORG", "E:army", 0),
                         ("Palmyra", "GPE", "E:palmyra", 0)],
                 [{"id": "ev1", "trigger": _span("t-2", "left"), "type": "Conflict.Retreat",
                   "realis": "ACTUAL", "cluster": "V:retreat"}]),
    "t-3": _gold("t-3", [("Russia", "GPE", "E:russia", 0), ("IS", "ORG", "E:is", 0)], []),
}
CLUSTERS = {"schema_version": "1.0.0",
            "entities": [{"id": c, "type": t, "name": c[2:]} for c, t in
                         (("E:is", "ORG"), ("E:palmyra", "GPE"), ("E:army", "ORG"),
                          ("E:russia", "GPE"))],
            "events": [{"id": "V:retake", "type": "Conflict.TakeControl", "description": "x"},
                       {"id": "V:retreat", "type": "Conflict.Retreat", "description": "y"}]}
PRED = {
    "t-1": {"schema_version": "1.0.0", "doc_id": "t-1",
            "entities": [_entity("t-1", "Islamic State", "ORG", "A"),
                         _entity("t-1", "Palmyra", "GPE", "B"),
                         _entity("t-1", "IS", "ORG", "A"),
                         _entity("t-1", "Photo", "ORG")],  # page furniture: ignored
            "events": [{"trigger": _span("t-1", "retook"), "type": "Conflict.TakeControl",
                        "cluster": "X"}]},
    "t-3": {"schema_version": "1.0.0", "doc_id": "t-3",
            "entities": [_entity("t-3", "Russia", "PER"), _entity("t-3", "IS", "ORG")]},
}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    corpus = tmp_path / "corpus"
    gold = tmp_path / "gold"
    pred = tmp_path / "pred"
    for folder in (corpus, gold, pred):
        folder.mkdir()
    for doc_id, text in TEXTS.items():
        (corpus / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
        zones = ([{"type": "body", "start": 0, "end": CREDIT},
                  {"type": "credit", "start": CREDIT, "end": len(text)}] if doc_id == "t-1"
                 else [{"type": "body", "start": 0, "end": len(text)}])
        _write_json(corpus / f"{doc_id}.json", {
            "doc_id": doc_id, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "length": len(text), "zones": zones})
    for doc_id, doc in GOLD.items():
        _write_json(gold / f"{doc_id}.json", doc)
    _write_json(gold / "clusters.json", CLUSTERS)
    (gold / "GUIDELINES.md").write_text("# not a document\n", encoding="utf-8")
    (gold / "staging").mkdir()
    (gold / "staging" / "t-1.json").write_text("{not json", encoding="utf-8")
    for doc_id, doc in PRED.items():
        _write_json(pred / f"{doc_id}.json", doc)
    return {"corpus": corpus, "gold": gold, "pred": pred, "tmp": tmp_path}


def fake_entities(gold: AnnotationDocument, pred: AnnotationDocument, doc: Document) -> Counts:
    """Strict entity matching, standing in for the real entity scorer."""
    annotated = load_ontology().annotated_zones
    kept = [e for e in pred.layer("entities")
            if not doc.zones or doc.in_zones(e.span.start, e.span.end, annotated)]
    g = {(e.span.start, e.span.end, e.type) for e in gold.layer("entities")}
    p = {(e.span.start, e.span.end, e.type) for e in kept}
    out = Counts()
    tp = len(g & p)
    out.add(("entities", "strict", "*"), tally(tp, len(p) - tp, len(g) - tp,
                                               ignored=len(pred.layer("entities")) - len(kept)))
    for label in sorted({x[2] for x in g | p}):
        gl, pl = {x for x in g if x[2] == label}, {x for x in p if x[2] == label}
        out.add(("entities", "strict", label), tally(len(gl & pl), len(pl - gl), len(gl - pl)))
    return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation, "layer_scorers",
                        lambda: {"entities": fake_entities, "coreference": coref.score})


LAYERS = ["entities", "coreference"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def paths(data: dict[str, Path]) -> list[str]:
    return ["--gold", str(data["gold"]), "--corpus", str(data["corpus"])]


# --- the API -------------------------------------------------------------------------------

def test_exact_scores(data: dict[str, Path], fake: None) -> None:
    result = palmyra.evaluate(data["gold"], data["pred"], layers=LAYERS, corpus=data["corpus"],
                              bootstrap=200)
    # entities: t-1 tp 3 fn 1 (Photo ignored); t-2 missing: fn 2; t-3 tp 1 fp 1 fn 1
    assert result.tally("entities", "strict") == {"p_num": 4.0, "p_den": 5.0, "r_num": 4.0,
                                                  "r_den": 8.0, "ignored": 1.0}
    assert result.score("entities", "strict")["f1"] == pytest.approx(8 / 13)
    # within-document MUC: only t-1 has links (recall 1/2, precision 1/1)
    muc = result.tally("coreference", "entity_muc")
    assert (muc["r_num"], muc["r_den"], muc["p_num"], muc["p_den"]) == (1.0, 2.0, 1.0, 1.0)
    # across documents E:is also links t-3's IS, which the prediction leaves alone
    cross = result.tally("coreference", "cross_entity_muc")
    assert (cross["r_num"], cross["r_den"], cross["p_num"], cross["p_den"]) == (1, 4, 1, 1)
    conll = result.score("coreference", "entity_conll")
    parts = [result.score("coreference", f"entity_{m}")["f1"] for m in ("muc", "b3", "ceafe")]
    assert conll["f1"] == pytest.approx(sum(parts) / 3)
    assert result.missing_predictions == ["t-2"]
    assert result.layers == LAYERS and result.not_predicted == []
    assert result.ignored("entities") == 1 and result.ignored("coreference") == 1


def test_gold_hash_covers_the_gold_files_in_name_order(data: dict[str, Path], fake: None) -> None:
    result = palmyra.evaluate(data["gold"], data["pred"], layers=LAYERS, corpus=data["corpus"],
                              bootstrap=0)
    expected = hashlib.sha256(b"".join((data["gold"] / f"{d}.json").read_bytes()
                                       for d in sorted(GOLD))).hexdigest()
    assert result.gold_sha256 == expected
    assert result.gold_version == "custom"
    assert result.signature("entities") == (
        f"palmyra:{palmyra.__version__}|gold:sha256:{expected[:12]}|layer:entities|"
        "match:strict|bootstrap:0|seed:12345")


def test_mappings_score_like_folders(data: dict[str, Path], fake: None) -> None:
    from_files = palmyra.evaluate(data["gold"], data["pred"], layers=LAYERS,
                                  corpus=data["corpus"], bootstrap=100)
    gold = {d: AnnotationDocument.from_dict(x) for d, x in GOLD.items()}
    pred = {d: AnnotationDocument.from_dict(x) for d, x in PRED.items()}
    in_memory = palmyra.evaluate(gold, pred, layers=LAYERS, corpus=data["corpus"], bootstrap=100)
    assert in_memory.counts == from_files.counts
    assert in_memory.intervals == from_files.intervals
    # The hash of a mapping is the hash of its canonical files.
    canonical = data["tmp"] / "canonical"
    canonical.mkdir()
    for doc in gold.values():
        dump(doc, canonical / f"{doc.doc_id}.json")
    expected = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(canonical.iterdir())))
    assert in_memory.gold_sha256 == expected.hexdigest()


def test_jsonl_predictions_score_like_a_folder(data: dict[str, Path], fake: None) -> None:
    jsonl = data["tmp"] / "pred.jsonl"
    jsonl.write_text("".join(json.dumps(PRED[d]) + "\n" for d in sorted(PRED)), "utf-8")
    a = palmyra.evaluate(data["gold"], jsonl, layers=LAYERS, corpus=data["corpus"], bootstrap=50)
    b = palmyra.evaluate(data["gold"], data["pred"], layers=LAYERS, corpus=data["corpus"],
                         bootstrap=50)
    assert a.to_dict() == b.to_dict()


def test_one_pretty_printed_json_document_is_read_whole(data: dict[str, Path],
                                                        fake: None) -> None:
    one = data["tmp"] / "one"
    one.mkdir()
    (one / "t-1.json").write_text(json.dumps(PRED["t-1"], indent=2), "utf-8")
    result = palmyra.evaluate(data["gold"], one / "t-1.json", layers=LAYERS,
                              corpus=data["corpus"], bootstrap=0)
    assert result.missing_predictions == ["t-2", "t-3"]


def test_scored_documents_are_the_gold_documents(data: dict[str, Path], fake: None) -> None:
    two = data["tmp"] / "two"
    two.mkdir()
    for doc_id in ("t-1", "t-3"):
        (two / f"{doc_id}.json").write_bytes((data["gold"] / f"{doc_id}.json").read_bytes())
    # No clusters.json beside them: gold cluster ids resolve against the bundled registry,
    # which does not know these test ids, so the folder's own registry is needed.
    (two / "clusters.json").write_bytes((data["gold"] / "clusters.json").read_bytes())
    pred = data["tmp"] / "pred3"
    pred.mkdir()
    for doc_id in TEXTS:
        doc = PRED.get(doc_id, {"schema_version": "1.0.0", "doc_id": doc_id, "entities": []})
        _write_json(pred / f"{doc_id}.json", doc)
    result = palmyra.evaluate(two, pred, layers=LAYERS, corpus=data["corpus"], bootstrap=0)
    assert sorted(result.per_document) == ["t-1", "t-3"]
    assert result.to_dict()["documents"] == {"scored": ["t-1", "t-3"],
                                             "missing_predictions": [],
                                             "not_in_gold": ["t-2"]}


def test_a_layer_no_prediction_has_is_not_predicted(data: dict[str, Path], fake: None) -> None:
    result = palmyra.evaluate(data["gold"], data["pred"], layers=["entities", "numbers"],
                              corpus=data["corpus"], bootstrap=0)
    assert result.layers == ["entities"] and result.not_predicted == ["numbers"]
    out = result.to_dict()
    assert "numbers" not in out["layers"] and out["not_predicted"] == ["numbers"]


def test_coreference_kinds_follow_the_predicted_layers(data: dict[str, Path], fake: None) -> None:
    no_events = {d: AnnotationDocument.from_dict({k: v for k, v in x.items() if k != "events"})
                 for d, x in PRED.items()}
    gold = {d: AnnotationDocument.from_dict(x) for d, x in GOLD.items()}
    result = palmyra.evaluate(gold, no_events, layers=["coreference"], corpus=data["corpus"],
                              bootstrap=0)
    modes = result.modes("coreference")
    assert "entity_muc" in modes and "cross_entity_conll" in modes
    assert not any("event" in m for m in modes)


def test_bad_arguments(data: dict[str, Path], fake: None) -> None:
    with pytest.raises(UsageError, match="unknown layer"):
        palmyra.evaluate(data["gold"], data["pred"], layers=["tokens"], corpus=data["corpus"])
    with pytest.raises(UsageError, match="bootstrap"):
        palmyra.evaluate(data["gold"], data["pred"], bootstrap=-1, corpus=data["corpus"])
    with pytest.raises(UsageError, match="no such file"):
        palmyra.evaluate(data["gold"], data["tmp"] / "nowhere", corpus=data["corpus"])
    with pytest.raises(UsageError, match="corpus folder"):
        docs = {d: Document(d, t, {}) for d, t in TEXTS.items()}
        palmyra.evaluate(data["gold"], data["pred"], corpus=docs)


def test_import_palmyra_stays_light() -> None:
    code = ("import sys, palmyra; "
            "assert 'numpy' not in sys.modules and 'datasets' not in sys.modules; "
            "assert callable(palmyra.evaluate) and callable(palmyra.compare)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_command_layers_match_the_library() -> None:
    assert evaluate_command.LAYERS == evaluation.LAYERS


# --- the JSON contract ---------------------------------------------------------------------

def _check_prf(entry: dict, docs: list[str], additive: bool) -> None:
    for name in ("precision", "recall", "f1"):
        assert isinstance(entry[name], float) and 0.0 <= entry[name] <= 1.0
    assert entry["ci95"] is None or (
        isinstance(entry["ci95"], list) and len(entry["ci95"]) == 2
        and all(isinstance(x, float) for x in entry["ci95"])
        and entry["ci95"][0] <= entry["ci95"][1])
    assert isinstance(entry["by_type"], dict) and isinstance(entry["by_doc"], dict)
    if additive:
        for name in ("p_num", "p_den", "r_num", "r_den"):
            assert isinstance(entry[name], float) and entry[name] >= 0
    for by_type in entry["by_type"].values():
        assert "ci95" not in by_type and isinstance(by_type["f1"], float)
    assert sorted(entry["by_doc"]) in (docs, [])


def test_json_contract(data: dict[str, Path], fake: None,
                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["evaluate", "--pred", str(data["pred"]), *paths(data),
                          "--layers", "entities", "coreference", "--json",
                          "--bootstrap", "100"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"signature", "gold", "layers", "documents", "ignored_predictions",
                        "policies", "not_predicted", "signatures"}
    assert re.fullmatch(r"palmyra:[^|]+\|gold:sha256:[0-9a-f]{12}\|layers:entities\+coreference"
                        r"\|bootstrap:100\|seed:12345", doc["signature"])
    assert doc["gold"]["version"] == "custom"
    assert re.fullmatch(r"[0-9a-f]{64}", doc["gold"]["sha256"])
    assert list(doc["layers"]) == ["entities", "coreference"]
    scored = ["t-1", "t-2", "t-3"]
    assert doc["documents"] == {"scored": scored, "missing_predictions": ["t-2"],
                                "not_in_gold": []}
    assert doc["ignored_predictions"] == {"entities": 1, "coreference": 1}
    assert doc["policies"]["match"] == "strict"
    assert doc["policies"]["singletons"] == ["with", "without"]
    strict = doc["layers"]["entities"]["strict"]
    _check_prf(strict, scored, additive=True)
    assert strict["p_num"] == 4.0 and strict["ignored"] == 1.0
    assert set(strict["by_type"]) == {"GPE", "ORG", "PER"}
    assert strict["by_doc"]["t-2"]["r_den"] == 2.0 and strict["by_doc"]["t-2"]["f1"] == 0.0
    assert strict["macro"]["f1"] == pytest.approx(
        sum(t["f1"] for t in strict["by_type"].values()) / 3)
    for mode, entry in doc["layers"]["coreference"].items():
        derived = mode.removesuffix("_nosingletons").endswith("_conll")
        _check_prf(entry, scored, additive=not derived)
        if mode.startswith("cross_"):
            assert entry["ci95"] is None and entry["by_doc"] == {}
        if derived:
            assert len(entry["components"]) == 3
    assert doc["signatures"]["coreference"].endswith(
        "|layer:coreference|match:strict|singletons:with+without|bootstrap:100|seed:12345")


def test_json_is_deterministic_and_output_file_matches(data: dict[str, Path], fake: None,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    target = data["tmp"] / "scores.json"
    argv = ["evaluate", "--pred", str(data["pred"]), *paths(data), "--layers", "entities",
            "coreference", "--json"]
    code, first, _ = run([*argv, "--output", str(target)], capsys)
    assert code == 0
    assert target.read_text(encoding="utf-8") == first
    code, second, _ = run(argv, capsys)
    assert code == 0 and second == first
    assert [p.name for p in data["tmp"].iterdir() if p.name.startswith(".scores")] == []


def test_bootstrap_zero_disables_intervals(data: dict[str, Path], fake: None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["evaluate", "--pred", str(data["pred"]), *paths(data), "--layers",
                        "entities", "--json", "--bootstrap", "0"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["layers"]["entities"]["strict"]["ci95"] is None
    assert "|bootstrap:0|" in doc["signature"]


def test_terminal_report(data: dict[str, Path], fake: None,
                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["evaluate", "--pred", str(data["pred"]), *paths(data),
                        "--layers", "entities,coreference", "numbers"], capsys)
    assert code == 0
    assert "3 gold documents scored" in out
    assert "missing predictions, scored as empty: t-2" in out
    assert "numbers: not predicted" in out
    assert re.search(r"^strict\s+80\.00\s+50\.00\s+61\.54\s+\[", out, re.M)
    assert re.search(r"^entity_muc\s+100\.00\s+50\.00\s+66\.67", out, re.M)
    assert out.count("signature: palmyra:") == 3  # two layers and the run


def test_bundled_gold_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    from palmyra.paths import annotations_dir

    code, out, err = run(["evaluate", "--pred", str(annotations_dir()), "--layers",
                          "coreference", "--json", "--bootstrap", "20"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["gold"]["version"] == palmyra.__version__
    assert doc["layers"]["coreference"]["entity_b3"]["f1"] == 1.0
    assert doc["layers"]["coreference"]["cross_entity_conll"]["f1"] == 1.0


def test_every_layer_with_the_real_scorers(data: dict[str, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    full = data["tmp"] / "full"
    full.mkdir()
    for doc_id in TEXTS:
        _write_json(full / f"{doc_id}.json", {**GOLD[doc_id], "status": "prediction"})
    code, out, err = run(["evaluate", "--pred", str(full), *paths(data), "--json",
                          "--bootstrap", "20"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc["layers"]) == list(evaluation.LAYERS)
    for layer, modes in doc["layers"].items():
        assert modes, layer
        for mode, entry in modes.items():
            additive = not mode.removesuffix("_nosingletons").endswith("_conll")
            _check_prf(entry, sorted(TEXTS), additive)


# --- errors and exit codes -----------------------------------------------------------------

def test_invalid_prediction_exits_1_with_one_line_per_problem(
        data: dict[str, Path], fake: None, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.loads((data["pred"] / "t-3.json").read_text())
    bad["entities"][0]["text"] = "Rusia"
    bad["entities"][1]["type"] = "TEAM"
    _write_json(data["pred"] / "t-3.json", bad)
    code, out, err = run(["evaluate", "--pred", str(data["pred"]), *paths(data)], capsys)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert any(str(data["pred"] / "t-3.json") in x and "$.entities[0]" in x and "Rusia" in x
               for x in lines)
    assert any("$.entities[1].type" in x and "TEAM" in x for x in lines)
    assert lines[-1] == "palmyra evaluate: 2 problems; nothing scored"


def test_unknown_doc_id_is_an_error(data: dict[str, Path], fake: None,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _write_json(data["pred"] / "t-9.json", {"schema_version": "1.0.0", "doc_id": "t-9"})
    code, _, err = run(["evaluate", "--pred", str(data["pred"]), *paths(data)], capsys)
    assert code == 1
    assert "unknown doc_id 't-9'" in err
    with pytest.raises(InputError, match="unknown doc_id"):
        palmyra.evaluate(data["gold"], {"t-9": AnnotationDocument("t-9")},
                         corpus=data["corpus"])


def test_file_name_must_be_the_doc_id(data: dict[str, Path], fake: None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (data["pred"] / "t-3.json").rename(data["pred"] / "renamed.json")
    code, _, err = run(["evaluate", "--pred", str(data["pred"]), *paths(data)], capsys)
    assert code == 1
    assert "renamed.json:$.doc_id: expected 'renamed' (the file name), found 't-3'" in err


def test_invalid_json_and_duplicates_in_jsonl(data: dict[str, Path], fake: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    jsonl = data["tmp"] / "pred.jsonl"
    jsonl.write_text(json.dumps(PRED["t-1"]) + "\n" + json.dumps(PRED["t-1"]) + "\n{oops\n",
                     encoding="utf-8")
    code, _, err = run(["evaluate", "--pred", str(jsonl), *paths(data)], capsys)
    assert code == 1
    assert f"{jsonl}:3:" in err and "JSON" in err
    assert f"{jsonl}:2:" in err  # t-1 twice


def test_usage_errors_exit_2(data: dict[str, Path], fake: None,
                             capsys: pytest.CaptureFixture[str]) -> None:
    base = ["evaluate", "--pred", str(data["pred"]), *paths(data)]
    assert run([*base, "--bootstrap", "-5"], capsys)[0] == 2
    assert run([*base, "--seed", "x"], capsys)[0] == 2
    assert run([*base, "--layers", "tokens"], capsys)[0] == 2
    assert run(["evaluate", *paths(data)], capsys)[0] == 2  # --pred is required
    code, _, err = run(["evaluate", "--pred", str(data["tmp"] / "none"), *paths(data)], capsys)
    assert code == 2 and "no such file or folder" in err
    code, _, err = run([*base, "--output", str(data["tmp"] / "no" / "x.json")], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run([*base, "--corpus", str(data["tmp"] / "nocorpus")], capsys)
    assert code == 2 and "no such folder" in err


def test_no_traceback_on_bad_input(data: dict[str, Path]) -> None:
    (data["pred"] / "t-1.json").write_text("[1, 2", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "palmyra", "evaluate", "--pred",
                           str(data["pred"]), *paths(data)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "t-1.json" in done.stderr


def test_jobs_give_the_same_json_as_one_process(capsys: pytest.CaptureFixture) -> None:
    root = Path(__file__).resolve().parents[1]
    pred = str(root / "examples" / "noisy-predictions.jsonl")
    outputs = []
    for jobs in ("1", "2"):
        assert cli.main(["evaluate", "--pred", pred, "--json", "--bootstrap", "50",
                         "--jobs", jobs]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
