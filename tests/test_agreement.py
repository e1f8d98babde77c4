"""palmyra.agreement: Cohen's kappa by hand, label pairing, the command, and the figures
that annotations/agreement/README.md quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from palmyra.agreement import agreement, cohen_kappa, label_pairs
from palmyra.annotations import AnnotationDocument
from palmyra.cli import main

ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = ROOT / "annotations" / "agreement"


def test_kappa_by_hand() -> None:
    # 10 items: 6 agree as A/A, 2 as B/B, 2 disagree (A/B, B/A). p_o = 0.8;
    # first: A 7, B 3; second: A 7, B 3; p_e = 0.49 + 0.09 = 0.58; kappa = 0.22 / 0.42.
    pairs = [("A", "A")] * 6 + [("B", "B")] * 2 + [("A", "B"), ("B", "A")]
    assert cohen_kappa(pairs) == pytest.approx(0.22 / 0.42)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("A", "A")] * 3) is None  # chance agreement is 1
    assert cohen_kappa([("A", "B"), ("B", "A")]) == pytest.approx(-1.0)


def _doc(entities: list[tuple[int, int, str]]) -> AnnotationDocument:
    text = (ROOT / "corpus" / "palmyra-004.txt").read_text(encoding="utf-8")
    return AnnotationDocument.from_dict({
        "schema_version": "1.0.0", "doc_id": "palmyra-004",
        "entities": [{"start": s, "end": e, "text": text[s:e], "type": t}
                     for s, e, t in entities]})


def test_label_pairs_match_by_overlap_one_to_one() -> None:
    first = _doc([(523, 535, "PER"), (550, 563, "ORG"), (574, 582, "ORG")])
    # 514-535 overlaps 523-535; 550-563 typed differently; 574-582 missing; 601-609 extra
    second = _doc([(514, 535, "PER"), (550, 563, "GPE"), (601, 609, "GPE")])
    assert sorted(label_pairs(first, second, "entities")) == [("ORG", "GPE"), ("PER", "PER")]
    # order-independent
    reversed_second = AnnotationDocument.from_dict(
        {**second.to_dict(), "entities": second.to_dict()["entities"][::-1]})
    assert sorted(label_pairs(first, reversed_second, "entities")) == [("ORG", "GPE"),
                                                                        ("PER", "PER")]


def test_a_set_against_itself_agrees_fully() -> None:
    result = agreement(AGREEMENT / "first-pass", AGREEMENT / "first-pass",
                       layers=["entities", "numbers"])
    data = result.to_dict()
    for layer in ("entities", "numbers"):
        assert all(m["f1"] == 1.0 for m in data["layers"][layer].values())
        assert data["label_agreement"][layer]["kappa"] in (1.0, None)


def test_second_set_must_be_in_the_first(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = tmp_path / "first"
    first.mkdir()
    src = AGREEMENT / "first-pass" / "palmyra-001.json"
    (first / "palmyra-001.json").write_bytes(src.read_bytes())
    code = main(["agreement", str(first), str(AGREEMENT / "numbers" / "second-pass")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{first}: no document 'palmyra-002', which the second set has" in err
    assert "Traceback" not in err


def _figures() -> dict[str, float]:
    """The F1 figures of the README table, keyed by 'layer/mode'."""
    out = {}
    for layer, modes in [("entities", ["strict", "partial"]), ("events", [
            "trigger_identification", "trigger_classification", "argument_identification",
            "argument_classification", "realis"]), ("numbers", [
            "span_exact", "value", "qualifier", "unit", "full"]), ("attributions", [
            "source_exact", "cue_exact", "content_exact", "triple_exact", "nested_exact"])]:
        extra = ["coreference"] if layer in ("entities", "events") else []
        code_args = ["agreement", str(AGREEMENT / "first-pass"),
                     str(AGREEMENT / layer / "second-pass"), "--layers", layer, *extra,
                     "--json"]
        data = _run_json(code_args)
        for mode in modes:
            out[f"{layer}/{mode}"] = round(100 * data["layers"][layer][mode]["f1"], 2)
        if extra:
            coref = data["layers"]["coreference"]
            kind = "entity" if layer == "entities" else "event"
            for m in ("muc", "b3", "ceafe", "conll"):
                out[f"{layer}/{kind}_{m}"] = round(100 * coref[f"{kind}_{m}"]["f1"], 2)
            out[f"{layer}/cross_{kind}_conll"] = round(
                100 * coref[f"cross_{kind}_conll"]["f1"], 2)
    return out


def _run_json(argv: list[str]) -> dict:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(argv) == 0
    return json.loads(buffer.getvalue())


def test_readme_figures_match_the_data() -> None:
    figures = _figures()
    readme = (AGREEMENT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- agreement:begin -->")[1].split("<!-- agreement:end -->")[0]
    quoted = [float(x) for x in re.findall(r"(?<![\d.])(\d{1,3}\.\d{2})(?![\d.])", table)]
    expected = [
        figures["entities/strict"], figures["entities/partial"],
        figures["entities/entity_muc"], figures["entities/entity_b3"],
        figures["entities/entity_ceafe"], figures["entities/entity_conll"],
        figures["entities/cross_entity_conll"],
        figures["events/trigger_identification"], figures["events/trigger_classification"],
        figures["events/argument_identification"], figures["events/argument_classification"],
        figures["events/realis"], figures["events/event_conll"],
        figures["events/cross_event_conll"],
        figures["numbers/span_exact"], figures["numbers/value"], figures["numbers/qualifier"],
        figures["numbers/unit"], figures["numbers/full"],
        figures["attributions/source_exact"], figures["attributions/cue_exact"],
        figures["attributions/content_exact"], figures["attributions/triple_exact"],
        figures["attributions/nested_exact"],
    ]
    assert quoted == expected


def test_datasheet_figures_match_the_data() -> None:
    figures = _figures()
    datasheet = (ROOT / "DATASHEET.md").read_text(encoding="utf-8")
    table = datasheet.split("<!-- agreement:begin -->")[1].split("<!-- agreement:end -->")[0]
    quoted = [float(x) for x in re.findall(r"\| (\d{1,3}\.\d{2}) \|", table)]
    assert quoted == [figures["entities/strict"], figures["entities/entity_conll"],
                      figures["events/trigger_classification"],
                      figures["events/argument_classification"], figures["numbers/full"],
                      figures["attributions/triple_exact"]]
