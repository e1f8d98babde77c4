"""Interchange formats (palmyra.formats, `palmyra convert`): brat standoff, Label Studio JSON
and CoNLL IOB2. Round trips of the five gold documents, hand-written examples parsed to
exact documents, malformed inputs with their exact error lines, and random valid documents
that must survive brat and Label Studio unchanged."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palmyra.annotations import AnnotationDocument
from palmyra.cli import main
from palmyra.corpus import load_corpus
from palmyra.formats import FormatError, document_meta
from palmyra.formats.brat import (
    decode_notes,
    encode_notes,
    export_collection,
    read_ann,
    read_collection,
    write_ann,
)
from palmyra.formats.conll import read_conll, write_conll
from palmyra.formats.labelstudio import export_tasks, read_task, read_tasks, write_task
from palmyra.ontology import load_ontology
from palmyra.paths import annotations_dir
from palmyra.tokenize import annotated_zone_types, tokenization
from palmyra.validate import validate_document

DOC_IDS = [f"palmyra-00{i}" for i in range(5)]
CORPUS = load_corpus()
TEXT_004 = CORPUS["palmyra-004"].text


def gold_dict(doc_id: str) -> dict:
    return json.loads((annotations_dir() / f"{doc_id}.json").read_text(encoding="utf-8"))


def gold(doc_id: str) -> AnnotationDocument:
    return AnnotationDocument.from_dict(gold_dict(doc_id))


def model(data: dict) -> dict:
    """A document after the model's from_dict/to_dict round trip."""
    return AnnotationDocument.from_dict(data).to_dict()


def span(start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": TEXT_004[start:end]}


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_brat_round_trip_of_the_gold(doc_id: str, tmp_path: Path) -> None:
    files = export_collection([gold(doc_id)], CORPUS)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert (tmp_path / f"{doc_id}.txt").read_bytes() == CORPUS[doc_id].text.encode("utf-8")
    (imported,), _ = read_collection(tmp_path, CORPUS)
    assert imported.document == gold_dict(doc_id)
    assert model(imported.document) == model(gold_dict(doc_id))
    assert imported.canonical() == gold_dict(doc_id)


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_label_studio_round_trip_of_the_gold(doc_id: str, tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(export_tasks([gold(doc_id)], CORPUS)), encoding="utf-8")
    (imported,), skipped = read_tasks(path, CORPUS)
    assert skipped == []
    assert imported.document == gold_dict(doc_id)
    assert model(imported.document) == model(gold_dict(doc_id))


def test_cli_round_trips_write_the_gold_back(tmp_path: Path) -> None:
    before = digest(annotations_dir())
    for fmt, exported in (("brat", tmp_path / "brat"), ("labelstudio", tmp_path / "ls.json")):
        back = tmp_path / f"back-{fmt}"
        assert run("convert", "export", fmt, annotations_dir(), exported) == 0
        assert run("convert", "import", fmt, exported, back) == 0
        for doc_id in DOC_IDS:
            assert json.loads((back / f"{doc_id}.json").read_text()) == gold_dict(doc_id)
        assert sorted(p.name for p in back.iterdir()) == [f"{d}.json" for d in DOC_IDS]
    assert digest(annotations_dir()) == before  # nothing read is modified
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temporary files


def _outermost(doc_id: str) -> set[tuple[int, int, str]]:
    """Gold mentions that no longer gold mention overlaps, widened to whole tokens."""
    document = CORPUS[doc_id]
    tok = tokenization(document, annotated_zone_types(document))
    mentions = [(e.span.start, e.span.end, e.type) for e in gold(doc_id).entities]
    out = set()
    for s, e, t in mentions:
        if any(s2 < e and s < e2 and e2 - s2 > e - s for s2, e2, _ in mentions):
            continue
        i, j = tok.covering(s, e)
        out.add((tok.starts[i], tok.ends[j - 1], t))
    return out


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_conll_round_trip_keeps_the_outermost_mentions(doc_id: str) -> None:
    text, _ = write_conll([gold(doc_id)], CORPUS)
    (imported,) = read_conll(text, CORPUS, file="x.conll")
    got = [(e["start"], e["end"], e["type"]) for e in imported.document["entities"]]
    assert set(got) == _outermost(doc_id)
    assert len(got) == len(set(got))
    assert all(e["text"] == CORPUS[doc_id].text[e["start"]:e["end"]]
               for e in imported.document["entities"])
    assert set(imported.document) == {"schema_version", "doc_id", "entities"}


def test_conll_round_trip_of_palmyra_004_by_hand() -> None:
    text, notes = write_conll([gold("palmyra-004")], CORPUS)
    (imported,) = read_conll(text, CORPUS, file="x.conll")
    got = {(e["start"], e["end"], e["type"]) for e in imported.document["entities"]}
    assert len(got) == 81  # 101 mentions, 20 of them nested in a longer one
    assert (59, 72, "PER") in got and (59, 63, "GPE") not in got  # "Homs governor" / "Homs"
    assert (523, 535, "PER") in got  # "Talal Barazi"
    # "Russian-backed Syrian forces": "Russian" is nested; the whole mention is kept.
    assert (2477, 2505, "PER") in got and (2477, 2484, "GPE") not in got
    assert notes == [
        "palmyra-004: 20 nested mention(s) left out (IOB2 cannot nest; the outermost is kept)",
        "palmyra-004: 1 span(s) widened to whole tokens"]


# --------------------------------------------------------------------------- brat by hand


BRAT_004 = """\
T1\tORG 239 267\tThe Islamic State (IS) group
T2\tGPE 299 306\tPalmyra
T3\tORG 362 377\tSyrian state TV
T4\tPER 385 402\tthe Homs governor
T5\tPER 523 535\tTalal Barazi
T6\tPER 979 997\tIS group militants
T7\tConflict_TakeControl 268 278\trecaptured
T8\tTime 307 316\ton Sunday
E1\tConflict_TakeControl:T7 Captor:T1 Territory:T2 Time:T8
T9\tConflict_Attack 1028 1034\tattack
E2\tConflict_Attack:T9 Attacker:T6
T10\tNumber 963 978\tmore than 4,000
T11\tCounted 979 997\tIS group militants
R1\tCounts Arg1:T10 Arg2:T11
R2\tQuantifies Arg1:T10 Arg2:T6
R3\tInEvent Arg1:T10 Arg2:E2
T12\tCue 378 384;403 412\tquoted as saying
T13\tSource 362 377\tSyrian state TV
T14\tContent 239 360\tThe Islamic State (IS) group recaptured the ancient city of Palmyra \
on Sunday and the army was fighting to regain control
R4\tHasSource Arg1:T12 Arg2:T13
R5\tSourceMention Arg1:T13 Arg2:T3
R6\tHasContent Arg1:T12 Arg2:T14
T15\tCue 536 573\twas quoted on Ikhbariyah TV as saying
T16\tSource 514 535\tGovernor Talal Barazi
T17\tContent 574 609\tthe army had pulled out of the city
R7\tHasSource Arg1:T15 Arg2:T16
R8\tSourceMention Arg1:T16 Arg2:T5
R9\tHasContent Arg1:T15 Arg2:T17
R10\tNestedIn Arg1:T15 Arg2:T12
*\tEquiv T4 T5
A1\tLevel T1 NAM
A2\tLevel T4 NOM
A3\tLevel T5 NAM
A4\tRealis E1 ACTUAL
A5\tKind T10 count
A6\tQualifier T10 lower_bound
A7\tAttributionType T12 indirect
A8\tHedged T12 false
A9\tHedged T15
#1\tAnnotatorNotes T1\tid=m1 cluster=E:islamic-state note="the headline says \\"IS\\""
#2\tAnnotatorNotes T4\tcluster=E:talal-barazi
#3\tAnnotatorNotes E1\tid=ev1 time=2016-12-11
#4\tAnnotatorNotes T10\tid=n1 value=null low=4000 role=Attacker
#5\tAnnotatorNotes T12\tid=a1
"""

# Worked out by hand: items others refer to get the next free id of their layer, in file
# order (T2 -> m2, T3 -> m3, T5 -> m4, T6 -> m5; E2 -> ev2); T4 has none; T5 takes its
# cluster from the Equiv line; `Hedged T15` without a value is brat's binary attribute.
EXPECTED_004 = {
    "schema_version": "1.0.0",
    "doc_id": "palmyra-004",
    "entities": [
        {"id": "m1", **span(239, 267), "type": "ORG", "level": "NAM",
         "cluster": "E:islamic-state", "note": 'the headline says "IS"'},
        {"id": "m2", **span(299, 306), "type": "GPE"},
        {"id": "m3", **span(362, 377), "type": "ORG"},
        {**span(385, 402), "type": "PER", "level": "NOM", "cluster": "E:talal-barazi"},
        {"id": "m4", **span(523, 535), "type": "PER", "level": "NAM",
         "cluster": "E:talal-barazi"},
        {"id": "m5", **span(979, 997), "type": "PER"},
    ],
    "events": [
        {"id": "ev1", "trigger": span(268, 278), "type": "Conflict.TakeControl",
         "realis": "ACTUAL",
         "arguments": [{"role": "Captor", "mention": "m1"},
                       {"role": "Territory", "mention": "m2"}],
         "time": {"value": "2016-12-11", "span": span(307, 316)}},
        {"id": "ev2", "trigger": span(1028, 1034), "type": "Conflict.Attack",
         "arguments": [{"role": "Attacker", "mention": "m5"}]},
    ],
    "numbers": [
        {"id": "n1", **span(963, 978), "kind": "count", "value": None, "low": 4000,
         "qualifier": "lower_bound", "counted": span(979, 997), "entity": "m5",
         "event": "ev2", "role": "Attacker"},
    ],
    "attributions": [
        {"id": "a1", "source": {**span(362, 377), "mention": "m3"},
         "cue": [span(378, 384), span(403, 412)], "content": [span(239, 360)],
         "type": "indirect", "hedged": False},
        {"source": {**span(514, 535), "mention": "m4"}, "cue": [span(536, 573)],
         "content": [span(574, 609)], "parent": "a1", "hedged": True},
    ],
}


def test_brat_example_reads_to_the_expected_document() -> None:
    imported = read_ann(BRAT_004, doc_id="palmyra-004", text=TEXT_004, file="x.ann")
    assert imported.document == EXPECTED_004
    assert model(imported.document) == model(EXPECTED_004)
    assert validate_document(imported.document) == []
    assert imported.locate("$.entities[4].level") == "T5 ($.entities[4].level)"
    assert imported.locate("$.events[0].arguments[1].role") == \
        "E1 Territory:T2 ($.events[0].arguments[1].role)"
    assert imported.locate("$.attributions[0].cue[1]") == "T12 ($.attributions[0].cue[1])"


def test_brat_example_reads_repeated_roles_and_assigns_ids() -> None:
    ann = ("T1\tORG 239 267\tThe Islamic State (IS) group\nT2\tPER 979 997\tIS group "
           "militants\nT3\tConflict_TakeControl 268 278\trecaptured\n"
           "E1\tConflict_TakeControl:T3 Captor:T1 Captor2:T2\n")
    imported = read_ann(ann, doc_id="palmyra-004", text=TEXT_004, file="x.ann",
                        status="prediction", assign_ids=True)
    assert imported.document == {
        "schema_version": "1.0.0", "doc_id": "palmyra-004", "status": "prediction",
        "entities": [{"id": "m1", **span(239, 267), "type": "ORG"},
                     {"id": "m2", **span(979, 997), "type": "PER"}],
        "events": [{"id": "ev1", "trigger": span(268, 278), "type": "Conflict.TakeControl",
                    "arguments": [{"role": "Captor", "mention": "m1"},
                                  {"role": "Captor", "mention": "m2"}]}],
        "numbers": [], "attributions": []}


# What the writer makes of EXPECTED_004: the lines of BRAT_004, grouped by kind (T, E, R,
# *, A, #), with every referenced item's id in a note and brat's binary `Hedged T15` spelt
# out as `true`.
WRITTEN_004 = "".join(f"{line}\n" for line in [
    *[x for x in BRAT_004.splitlines() if x.startswith("T")],
    "E1\tConflict_TakeControl:T7 Captor:T1 Territory:T2 Time:T8",
    "E2\tConflict_Attack:T9 Attacker:T6",
    *[x for x in BRAT_004.splitlines() if x.startswith(("R", "*"))],
    *[x for x in BRAT_004.splitlines() if x.startswith("A")][:-1], "A9\tHedged T15 true",
    '#1\tAnnotatorNotes T1\tid=m1 cluster=E:islamic-state note="the headline says \\"IS\\""',
    "#2\tAnnotatorNotes T2\tid=m2", "#3\tAnnotatorNotes T3\tid=m3",
    "#4\tAnnotatorNotes T4\tcluster=E:talal-barazi",
    "#5\tAnnotatorNotes T5\tid=m4 cluster=E:talal-barazi", "#6\tAnnotatorNotes T6\tid=m5",
    "#7\tAnnotatorNotes E1\tid=ev1 time=2016-12-11", "#8\tAnnotatorNotes E2\tid=ev2",
    "#9\tAnnotatorNotes T10\tid=n1 value=null low=4000 role=Attacker",
    "#10\tAnnotatorNotes T12\tid=a1"])


def test_brat_writes_the_documented_lines() -> None:
    doc = AnnotationDocument.from_dict(EXPECTED_004)
    ann = write_ann(doc, TEXT_004)
    assert ann == WRITTEN_004
    assert "T12\tCue 378 384;403 412\tquoted as saying" in ann.splitlines()  # fragments
    again = read_ann(ann, doc_id="palmyra-004", text=TEXT_004, file="x.ann",
                     meta=document_meta(doc))
    assert again.document == EXPECTED_004


def test_brat_writes_repeated_roles_numbered_and_touching_fragments_apart() -> None:
    data = {"schema_version": "1.0.0", "doc_id": "palmyra-004",
            "entities": [{"id": "m1", **span(239, 267), "type": "ORG"},
                         {"id": "m2", **span(979, 997), "type": "PER"}],
            "events": [{"id": "ev1", "trigger": span(268, 278), "type": "Conflict.TakeControl",
                        "arguments": [{"role": "Captor", "mention": "m1"},
                                      {"role": "Captor", "mention": "m2", **span(979, 997)}]}],
            # two content spans that touch: brat rejects such fragments in one T line
            "attributions": [{"cue": [span(378, 384)],
                              "content": [span(239, 267), span(267, 278)]}]}
    doc = AnnotationDocument.from_dict(data)
    ann = write_ann(doc, TEXT_004)
    assert "E1\tConflict_TakeControl:T3 Captor:T1 Captor2:T2" in ann.splitlines()
    assert "#3\tAnnotatorNotes E1\tid=ev1 arg_spans=1" in ann.splitlines()
    assert [x for x in ann.splitlines() if "Content" in x] == [
        "T5\tContent 239 267\tThe Islamic State (IS) group", "T6\tContent 267 278\t recaptured",
        "R1\tHasContent Arg1:T4 Arg2:T5", "R2\tHasContent Arg1:T4 Arg2:T6"]
    again = read_ann(ann, doc_id="palmyra-004", text=TEXT_004, file="x.ann",
                     meta=document_meta(doc))
    assert model(again.document) == model(data)


def test_notes_encoding() -> None:
    fields = {"id": "m7", "cluster": "E:palmyra-town", "note": 'two\tlines\n"quoted" a=b'}
    text = encode_notes(fields)
    assert text == 'id=m7 cluster=E:palmyra-town note="two\\tlines\\n\\"quoted\\" a=b"'
    assert decode_notes(text) == (fields, None)
    assert decode_notes("value=null low=4000 high=4000.0 arg_spans=0,2") == (
        {"value": None, "low": 4000, "high": 4000.0, "arg_spans": [0, 2]}, None)
    assert type(decode_notes("high=4000.0")[0]["high"]) is float
    assert decode_notes("free text")[1] == \
        "expected key=value fields (e.g. note=\"free text\"), found 'free text'"
    assert decode_notes('value="3"')[1] == "value: expected a number or null, found '3'"
    assert decode_notes("id=a id=b")[1] == "id is given twice"


# --------------------------------------------------------------------------- Label Studio


def labels(rid: str, control: str, start: int, end: int, label: str, **extra: object) -> dict:
    return {"id": rid, "from_name": control, "to_name": "text", "type": "labels",
            "value": {**span(start, end), "labels": [label]}, **extra}


def choice(rid: str, control: str, start: int, end: int, value: str) -> dict:
    return {"id": rid, "from_name": control, "to_name": "text", "type": "choices",
            "value": {**span(start, end), "choices": [value]}}


def relation(source: str, target: str, label: str, direction: str = "right") -> dict:
    return {"from_id": source, "to_id": target, "type": "relation", "direction": direction,
            "labels": [label]}


LS_TASK = {
    "data": {"text": TEXT_004, "doc_id": "palmyra-004"},
    "annotations": [{"result": [
        labels("m1", "entity", 239, 267, "ORG",
               meta={"cluster": "E:islamic-state", "text": ["the headline says IS"]}),
        choice("m1", "level", 239, 267, "NAM"),
        labels("wGVHKLmvBY", "entity", 299, 306, "GPE"),  # an id Label Studio made
        labels("ev1", "event", 268, 278, "Conflict.TakeControl",
               meta={"time": "2016-12-11", "cluster": "V:is-retakes-palmyra-2016-12"}),
        choice("ev1", "realis", 268, 278, "ACTUAL"),
        labels("t1", "span", 307, 316, "Time"),
        relation("ev1", "m1", "Captor"),
        relation("wGVHKLmvBY", "ev1", "Territory", direction="left"),
        relation("ev1", "t1", "time"),
        labels("n1", "number", 963, 978, "Number", meta={"value": None, "low": 4000}),
        choice("n1", "kind", 963, 978, "count"),
        choice("n1", "increment", 963, 978, "false"),
        labels("a1", "attribution", 378, 384, "Cue"),
        labels("a1-2", "attribution", 403, 412, "Cue"),
        labels("src", "attribution", 362, 377, "Source"),
        labels("c", "attribution", 239, 360, "Content"),
        relation("a1", "a1-2", "cue"), relation("a1", "src", "source"),
        relation("a1", "c", "content"),
        choice("a1", "hedged", 378, 384, "true"),
    ]}]}

EXPECTED_LS = {
    "schema_version": "1.0.0", "doc_id": "palmyra-004",
    "entities": [
        {"id": "m1", **span(239, 267), "type": "ORG", "level": "NAM",
         "cluster": "E:islamic-state", "note": "the headline says IS"},
        {"id": "wGVHKLmvBY", **span(299, 306), "type": "GPE"},
    ],
    "events": [
        {"id": "ev1", "trigger": span(268, 278), "type": "Conflict.TakeControl",
         "realis": "ACTUAL",
         "arguments": [{"role": "Captor", "mention": "m1"},
                       {"role": "Territory", "mention": "wGVHKLmvBY"}],
         "time": {"value": "2016-12-11", "span": span(307, 316)},
         "cluster": "V:is-retakes-palmyra-2016-12"},
    ],
    "numbers": [{"id": "n1", **span(963, 978), "kind": "count", "increment": False,
                 "value": None, "low": 4000}],
    "attributions": [{"id": "a1", "source": span(362, 377),
                      "cue": [span(378, 384), span(403, 412)], "content": [span(239, 360)],
                      "hedged": True}],
}


def test_label_studio_example_reads_to_the_expected_document() -> None:
    imported = read_task(copy.deepcopy(LS_TASK), CORPUS, file="tasks.json")
    assert imported is not None
    assert imported.document == EXPECTED_LS
    assert validate_document(imported.document) == []


def test_label_studio_writes_regions_choices_meta_and_relations() -> None:
    doc = AnnotationDocument.from_dict(EXPECTED_LS)
    task = write_task(doc, TEXT_004)
    assert task["data"] == {"text": TEXT_004, "doc_id": "palmyra-004",
                            "palmyra": {"schema_version": "1.0.0",
                                        "layers": ["entities", "events", "numbers",
                                                   "attributions"]}}
    result = task["annotations"][0]["result"]
    assert result[:2] == [
        labels("m1", "entity", 239, 267, "ORG",
               meta={"cluster": "E:islamic-state", "text": ["the headline says IS"]}),
        choice("m1", "level", 239, 267, "NAM")]
    regions = [(r["id"], r["value"]["labels"][0]) for r in result if r["type"] == "labels"]
    assert regions == [("m1", "ORG"), ("wGVHKLmvBY", "GPE"), ("ev1", "Conflict.TakeControl"),
                       ("ev1/time-span", "Time"), ("n1", "Number"), ("a1", "Cue"),
                       ("a1/cue-1", "Cue"), ("a1/source", "Source"), ("a1/content", "Content")]
    assert [r for r in result if r["type"] == "relation"] == [
        relation("ev1", "m1", "Captor"), relation("ev1", "wGVHKLmvBY", "Territory"),
        relation("ev1", "ev1/time-span", "time"), relation("a1", "a1/source", "source"),
        relation("a1", "a1/content", "content"), relation("a1", "a1/cue-1", "cue")]
    again = read_task(task, CORPUS, file="tasks.json")
    assert again is not None and again.document == EXPECTED_LS


def test_label_studio_task_without_annotation_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"data": {"text": TEXT_004}}, LS_TASK]), encoding="utf-8")
    items, skipped = read_tasks(path, CORPUS)
    assert [i.document["doc_id"] for i in items] == ["palmyra-004"]
    assert skipped == [f"{path}: task 0: no annotation; skipped"]


# --------------------------------------------------------------------------- CoNLL by hand


def conll_004(tags: dict[int, str], docstart: str = "-DOCSTART- palmyra-004\tO") -> str:
    """palmyra-004 in IOB2 with the given tags (token index -> tag), O elsewhere."""
    document = CORPUS["palmyra-004"]
    tok = tokenization(document, annotated_zone_types(document))
    lines = [docstart, ""]
    for k, start in enumerate(tok.sentence_starts):
        lines += [f"{tok.texts[i]}\t{tags.get(i, 'O')}"
                  for i in range(start, tok.sentence_end(k))]
        lines.append("")
    return "\n".join(lines) + "\n"


def test_conll_example_reads_to_the_expected_entities() -> None:
    # Tokens 0-9: "IS group retakes control of Palmyra , Homs governor confirms"
    text = conll_004({0: "B-ORG", 5: "B-GPE", 7: "B-PER", 8: "I-PER"})
    (imported,) = read_conll(text, CORPUS, file="x.conll")
    assert imported.document == {
        "schema_version": "1.0.0", "doc_id": "palmyra-004",
        "entities": [{**span(22, 24), "type": "ORG"}, {**span(50, 57), "type": "GPE"},
                     {**span(59, 72), "type": "PER"}]}
    assert [e["text"] for e in imported.document["entities"]] == \
        ["IS", "Palmyra", "Homs governor"]
    # Without a doc_id the document is found by its tokens.
    (again,) = read_conll(conll_004({0: "B-ORG"}, "-DOCSTART-\tO"), CORPUS, file="x")
    assert again.document["doc_id"] == "palmyra-004"


def test_conll_writes_token_tab_tag_lines() -> None:
    text, _ = write_conll([AnnotationDocument.from_dict(EXPECTED_004)], CORPUS)
    lines = text.splitlines()
    assert lines[:4] == ["-DOCSTART- palmyra-004\tO", "", "IS\tO", "group\tO"]
    start = lines.index("The\tB-ORG")
    assert lines[start:start + 8] == ["The\tB-ORG", "Islamic\tI-ORG", "State\tI-ORG",
                                      "(\tI-ORG", "IS\tI-ORG", ")\tI-ORG", "group\tI-ORG",
                                      "recaptured\tO"]


# --------------------------------------------------------------------------- bad input


def brat_folder(tmp_path: Path, ann: str) -> Path:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "palmyra-004.ann").write_text(ann, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("line", "problem"), [
    ("T1\tORG 239 3000\tx", "T1: offsets 239 3000: end is beyond the text (2723 characters)"),
    ("T1\tORG 267 239\tx", "T1: offsets 267 239: expected start < end"),
    ("T1\tORG 239 267\tThe Islamic State", "T1: text 'The Islamic State' does not match offsets "
                                          "239 267 (expected 'The Islamic State (IS) group')"),
    ("T1\tORGANIZATION 239 267\tThe Islamic State (IS) group",
     "T1: unknown type 'ORGANIZATION' (expected PER, ORG, GPE, LOC, FAC, an event type such as "
     "Conflict_Attack, or Number, Cue, Source, Content, Counted, Argument, Time)"),
])
def test_bad_brat_lines_give_one_exact_problem(tmp_path: Path, capsys, line: str,
                                               problem: str) -> None:
    folder = brat_folder(tmp_path, line + "\nA1\tLevel T1 NAM\n")
    before = digest(folder)
    assert run("convert", "import", "brat", folder, tmp_path / "out") == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{folder / 'palmyra-004.ann'}:1: {problem}",
                   "palmyra convert: 1 problem; nothing written"]
    assert not (tmp_path / "out").exists()
    assert digest(folder) == before


def test_bad_brat_structure_is_reported_per_line(tmp_path: Path, capsys) -> None:
    ann = ("T1\tORG 239 267\tThe Islamic State (IS) group\n"
           "A1\tLevel T1 NAMED\n"
           "A2\tRealis T1 ACTUAL\n"
           "#1\tAnnotatorNotes T1\tid=m1 colour=red\n"
           "T2\tCue 378 384\tquoted\n"
           "N1\tReference T1 Wikidata:Q2429253\n")
    folder = brat_folder(tmp_path, ann)
    assert run("convert", "import", "brat", folder, tmp_path / "out") == 1
    f = folder / "palmyra-004.ann"
    assert capsys.readouterr().err.splitlines() == [
        f"{f}:6: N1: unsupported annotation line (expected T, E, R, A, #, * lines; "
        "normalizations N and modifiers M are not part of the mapping)",
        f"{f}:2: A1: Level: expected one of NAM, NOM, PRO, found 'NAMED'",
        f"{f}:3: A2: Realis does not apply to an entity mention (attributes: Level, Role)",
        f"{f}:4: #1: unknown note field 'colour' for an entity mention (fields: cluster, note)",
        "palmyra convert: 4 problems; nothing written"]


def test_attribution_without_content_is_an_error(tmp_path: Path, capsys) -> None:
    folder = brat_folder(tmp_path, "T1\tCue 378 384\tquoted\nT2\tSource 362 377\tSyrian "
                                   "state TV\n")
    assert run("convert", "import", "brat", folder, tmp_path / "out") == 1
    f = folder / "palmyra-004.ann"
    assert capsys.readouterr().err.splitlines() == [
        f"{f}:2: T2: attribution source T2 belongs to nothing (expected a 'HasSource' link "
        "pointing to it)",
        f"{f}:1: T1: attribution cue T1 has no content (expected a 'HasContent' link to a "
        "Content span)",
        "palmyra convert: 2 problems; nothing written"]


def test_converted_documents_are_validated(tmp_path: Path, capsys) -> None:
    ann = ("T1\tPER 979 997\tIS group militants\nT2\tConflict_Attack 1028 1034\tattack\n"
           "E1\tConflict_Attack:T2 Captor:T1\n"
           "#1\tAnnotatorNotes E1\ttime=Sunday\n")
    folder = brat_folder(tmp_path, ann)
    assert run("convert", "import", "brat", folder, tmp_path / "out") == 1
    f = folder / "palmyra-004.ann"
    role, time, summary = capsys.readouterr().err.splitlines()
    assert role == (f"{f}: E1 Captor:T1 ($.events[0].arguments[0].role): role 'Captor' is "
                    "not allowed for Conflict.Attack (allowed: Attacker, Target, Instrument, "
                    "Place)")
    # (the pattern itself is the schema's business)
    assert time.startswith(f"{f}: E1 ($.events[0].time.value): expected a string matching ")
    assert time.endswith(', found "Sunday"')
    assert summary == "palmyra convert: 2 problems; nothing written"
    assert not (tmp_path / "out").exists()


def test_gold_import_checks_clusters_against_the_registry(tmp_path: Path, capsys) -> None:
    ann = ("T1\tPER 979 997\tIS group militants\nA1\tLevel T1 NOM\n"
           "#1\tAnnotatorNotes T1\tid=m1 cluster=E:nobody\n")
    folder = brat_folder(tmp_path, ann)
    assert run("convert", "import", "brat", folder, tmp_path / "out", "--status", "gold") == 1
    registry = annotations_dir() / "clusters.json"
    assert capsys.readouterr().err.splitlines() == [
        f"{folder / 'palmyra-004.ann'}: T1 ($.entities[0].cluster): cluster 'E:nobody' is "
        f"not in the registry {registry}",
        "palmyra convert: 1 problem; nothing written"]


def test_label_studio_text_mismatch_names_the_result(tmp_path: Path, capsys) -> None:
    task = copy.deepcopy(LS_TASK)
    task["annotations"][0]["result"][2]["value"]["text"] = "Palmira"
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    before = path.read_bytes()
    assert run("convert", "import", "labelstudio", path, tmp_path / "out") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: task 0 (palmyra-004): result 'wGVHKLmvBY': value.text \"Palmira\" does not "
        "match the offsets: text[299:306] is \"Palmyra\"",
        "palmyra convert: 1 problem; nothing written"]
    assert path.read_bytes() == before and not (tmp_path / "out").exists()


def test_label_studio_utf16_offsets_are_recognized(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "Ruins \U0001F3DB of Palmyra fall to IS\n"
    (corpus / "doc-1.txt").write_text(text, encoding="utf-8")
    (corpus / "doc-1.json").write_text(json.dumps({"doc_id": "doc-1"}), encoding="utf-8")
    # "Palmyra" is text[11:18]; in UTF-16 code units the emoji counts twice: 12-19.
    result = [{"id": "r1", "from_name": "entity", "to_name": "text", "type": "labels",
               "value": {"start": 12, "end": 19, "text": "Palmyra", "labels": ["GPE"]}}]
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"data": {"text": text, "doc_id": "doc-1"},
                                 "annotations": [{"result": result}]}]), encoding="utf-8")
    assert run("convert", "import", "labelstudio", path, tmp_path / "out",
               "--corpus", corpus) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}: task 0 (doc-1): result 'r1': value.text \"Palmyra\" does not match the "
        "offsets: text[12:19] is \"almyra \" (the offsets look like UTF-16 code units: "
        "'Palmyra' is at code points 11-18)")


def test_bad_conll_gives_line_numbers(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(conll_004({0: "I-ORG", 5: "B-CITY"}), encoding="utf-8")
    assert run("convert", "import", "conll", path, tmp_path / "out") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:3: I-ORG does not continue an entity; IOB2 starts every entity with B-ORG",
        f"{path}:8: unknown tag 'B-CITY' (expected O, or B- or I- with FAC, GPE, LOC, ORG, "
        "PER)",
        "palmyra convert: 2 problems; nothing written"]
    path.write_text(conll_004({}).replace("Palmyra\tO", "Palmira\tO", 1), encoding="utf-8")
    assert run("convert", "import", "conll", path, tmp_path / "out") == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:8: palmyra-004: token 6: expected 'Palmyra' (text[50:57]), found 'Palmira'")


def test_export_rejects_a_span_with_a_line_break_for_brat() -> None:
    doc = AnnotationDocument.from_dict({"schema_version": "1.0.0", "doc_id": "palmyra-004",
                                        "entities": [{**span(0, 30), "type": "ORG"}]})
    with pytest.raises(FormatError) as info:
        write_ann(doc, TEXT_004)
    assert info.value.problems == ["palmyra-004: $.entities[0]: text[0:30] holds a line "
                                   "break, which a brat .ann line cannot"]


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:
    assert run("convert", "import", "brat", tmp_path / "missing", tmp_path / "out") == 2
    assert capsys.readouterr().err == \
        f"palmyra convert: error: no such file or folder: {tmp_path / 'missing'}\n"
    (tmp_path / "x.conll").write_text("", encoding="utf-8")
    assert run("convert", "import", "brat", tmp_path / "x.conll", tmp_path / "out") == 2
    with pytest.raises(SystemExit) as info:
        run("convert", "export", "docx", annotations_dir(), tmp_path / "out")
    assert info.value.code == 2
    source = annotations_dir() / "palmyra-004.json"
    assert run("convert", "export", "conll", source, source) == 2  # never overwrite input
    assert json.loads(source.read_text()) == gold_dict("palmyra-004")


def test_export_of_invalid_input_lists_the_problems(tmp_path: Path, capsys) -> None:
    bad = gold_dict("palmyra-004")
    bad["entities"][0]["text"] = "Islamic"
    path = tmp_path / "palmyra-004.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert run("convert", "export", "brat", path, tmp_path / "out") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{path}:$.entities[0].text: expected \"IS\" (text[22:24]), "
                             "found \"Islamic\"")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- properties


ONTOLOGY = load_ontology()
RAW = ONTOLOGY.raw


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the lines of text with at least two characters."""
    out, pos = [], 0
    for line in text.split("\n"):
        if len(line) > 1:
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


LINES = _lines(TEXT_004)


@st.composite
def spans(draw: st.DrawFn) -> dict:
    """A span of palmyra-004 inside one line (brat .ann lines cannot hold a line break)."""
    lo, hi = draw(st.sampled_from(LINES))
    start = draw(st.integers(lo, hi - 1))
    end = draw(st.integers(start + 1, min(hi, start + 40)))
    return span(start, end)


notes = st.text(max_size=12)
numbers = st.one_of(st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=64))


def maybe(strategy: st.SearchStrategy, draw: st.DrawFn) -> object:
    return draw(st.one_of(st.none(), strategy))


@st.composite
def documents(draw: st.DrawFn) -> dict:
    """A random valid prediction of palmyra-004 that uses every field of the schema."""
    doc: dict = {"schema_version": "1.0.0", "doc_id": "palmyra-004"}
    for key, strategy in (("status", st.just("prediction")), ("annotator", notes),
                          ("notes", notes)):
        if (value := maybe(strategy, draw)) is not None:
            doc[key] = value
    entities, seen = [], set()
    for i in range(draw(st.integers(0, 6))):
        s, etype = draw(spans()), draw(st.sampled_from(ONTOLOGY.entity_types))
        if (s["start"], s["end"], etype) in seen:
            continue
        seen.add((s["start"], s["end"], etype))
        e = {**({"id": f"m{i}"} if draw(st.booleans()) else {}), **s, "type": etype}
        for key, strategy in (("level", st.sampled_from(list(RAW["mention_levels"]))),
                              ("role", st.sampled_from(RAW["mention_roles"])),
                              ("cluster", st.sampled_from([f"E:{etype.lower()}-1",
                                                           f"E:{etype.lower()}-2"])),
                              ("note", notes)):
            if (value := maybe(strategy, draw)) is not None:
                e[key] = value
        entities.append(e)
    mention_ids = [e["id"] for e in entities if "id" in e]
    events, seen = [], set()
    for i in range(draw(st.integers(0, 4))):
        trigger, etype = draw(spans()), draw(st.sampled_from(ONTOLOGY.event_types))
        if (trigger["start"], trigger["end"], etype) in seen:
            continue
        seen.add((trigger["start"], trigger["end"], etype))
        ev = {**({"id": f"ev{i}"} if draw(st.booleans()) else {}), "trigger": trigger,
              "type": etype}
        if (realis := maybe(st.sampled_from(list(RAW["realis"])), draw)) is not None:
            ev["realis"] = realis
        args, keys = [], set()
        for _ in range(draw(st.integers(0, 3))):
            arg = {"role": draw(st.sampled_from(ONTOLOGY.roles(etype)))}
            how = draw(st.sampled_from(["mention", "span", "both"] if mention_ids
                                       else ["span"]))
            if how != "span":
                arg["mention"] = draw(st.sampled_from(mention_ids))
            if how == "span":
                arg.update(draw(spans()))
            if how == "both":
                m = next(e for e in entities if e.get("id") == arg["mention"])
                arg.update(start=m["start"], end=m["end"], text=m["text"])
            key = (arg["role"], arg.get("mention"), arg.get("start"), arg.get("end"))
            if key not in keys:
                keys.add(key)
                args.append(arg)
        if args or draw(st.booleans()):
            ev["arguments"] = args
        if draw(st.booleans()):
            time = {"value": draw(st.sampled_from(["2016-12-11", "2015", "P9M", "PAST_REF",
                                                   "XXXX-12"]))}
            if (mod := maybe(st.sampled_from(["APPROX", "ON_OR_AFTER"]), draw)) is not None:
                time["mod"] = mod
            if draw(st.booleans()):
                time["span"] = draw(spans())
            ev["time"] = time
        for key, strategy in (("cluster", st.just(f"V:{etype.lower()}")), ("note", notes)):
            if (value := maybe(strategy, draw)) is not None:
                ev[key] = value
        events.append(ev)
    numbers_, seen = [], set()
    for i in range(draw(st.integers(0, 3))):
        s, kind = draw(spans()), draw(st.sampled_from(list(RAW["number_kinds"])))
        if (s["start"], s["end"], kind) in seen:
            continue
        seen.add((s["start"], s["end"], kind))
        n = {**({"id": f"n{i}"} if draw(st.booleans()) else {}), **s, "kind": kind}
        for key in ("value", "low", "high"):
            choice_ = draw(st.sampled_from(["absent", "null", "number"]))
            if choice_ != "absent":
                n[key] = None if choice_ == "null" else draw(numbers)
        for key, strategy in (("timex", st.sampled_from(["2016-03", "P9M", "PT5H"])),
                              ("qualifier", st.sampled_from(list(RAW["number_qualifiers"]))),
                              ("increment", st.booleans()),
                              ("unit", st.sampled_from(ONTOLOGY.units)),
                              ("counted", spans()),
                              ("entity", st.sampled_from(mention_ids or [None])),
                              ("note", notes)):
            if (value := maybe(strategy, draw)) is not None:
                n[key] = value
        with_ids = [ev for ev in events if "id" in ev]
        if with_ids and draw(st.booleans()):
            ev = draw(st.sampled_from(with_ids))
            n["event"] = ev["id"]
            if draw(st.booleans()):
                n["role"] = draw(st.sampled_from(ONTOLOGY.roles(ev["type"])))
        numbers_.append(n)
    attributions, seen = [], set()
    for i in range(draw(st.integers(0, 3))):
        cue = draw(st.lists(spans(), min_size=1, max_size=3))
        content = draw(st.lists(spans(), min_size=1, max_size=3))
        key = (tuple((c["start"], c["end"]) for c in cue),
               tuple((c["start"], c["end"]) for c in content))
        if key in seen:
            continue
        seen.add(key)
        a = {**({"id": f"a{i}"} if draw(st.booleans()) else {}), "cue": cue,
             "content": content}
        source = draw(st.sampled_from(["none", "span", "mention", "implicit"]))
        if source == "mention" and mention_ids:  # the mention lies inside the source
            mid = draw(st.sampled_from(mention_ids))
            m = next(e for e in entities if e.get("id") == mid)
            a["source"] = {"start": m["start"], "end": m["end"], "text": m["text"],
                           "mention": m["id"]}
        elif source in ("span", "mention"):
            a["source"] = draw(spans())
        elif source == "implicit":
            a["implicit_source"] = draw(st.sampled_from(list(RAW["implicit_sources"])))
        earlier = [x["id"] for x in attributions if "id" in x]
        for key_, strategy in (("type", st.sampled_from(list(RAW["attribution_types"]))),
                               ("parent", st.sampled_from(earlier or [None])),
                               ("hedged", st.booleans()), ("note", notes)):
            if (value := maybe(strategy, draw)) is not None:
                a[key_] = value
        attributions.append(a)
    layers = {"entities": entities, "events": events, "numbers": numbers_,
              "attributions": attributions}
    for name, items in layers.items():
        if items or draw(st.booleans()):
            doc[name] = items
    return doc


PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(documents())
def test_random_documents_round_trip_through_brat(data: dict) -> None:
    assert [str(p) for p in validate_document(data)] == []
    doc = AnnotationDocument.from_dict(data)
    ann = write_ann(doc, TEXT_004)
    imported = read_ann(ann, doc_id="palmyra-004", text=TEXT_004, file="x.ann",
                        meta=document_meta(doc))
    assert model(imported.document) == model(data)


@PROPERTY
@given(documents())
def test_random_documents_round_trip_through_label_studio(data: dict) -> None:
    assert [str(p) for p in validate_document(data)] == []
    doc = AnnotationDocument.from_dict(data)
    task = json.loads(json.dumps(write_task(doc, TEXT_004)))
    imported = read_task(task, CORPUS, file="tasks.json")
    assert imported is not None
    assert model(imported.document) == model(data)


def test_more_structural_problems_are_named(tmp_path: Path) -> None:
    two = copy.deepcopy(LS_TASK)
    two["annotations"].append({"result": []})
    with pytest.raises(FormatError) as info:
        read_task(two, CORPUS, file="t.json")
    assert info.value.problems == ["t.json: task 0 (palmyra-004): 2 annotations; expected one "
                                   "(export one annotator's work)"]
    bad = copy.deepcopy(LS_TASK)
    bad["annotations"][0]["result"][6]["labels"] = []
    bad["annotations"][0]["result"][1]["value"]["choices"] = ["NAMED"]
    with pytest.raises(FormatError) as info:
        read_task(bad, CORPUS, file="t.json")
    assert info.value.problems == [
        "t.json: task 0 (palmyra-004): result 'm1': level: expected one of NAM, NOM, PRO, "
        "found 'NAMED'",
        "t.json: task 0 (palmyra-004): relation 'ev1' -> 'm1': labels: expected one label, "
        "found []"]
    ann = ("T1\tORG 239 267\tThe Islamic State (IS) group\nT2\tORG 243 256\tIslamic State\n"
           "T3\tConflict_Attack 1028 1034\tattack\n*\tEquiv T1 T2\n"
           "#1\tAnnotatorNotes T1\tcluster=E:islamic-state\n"
           "#2\tAnnotatorNotes T2\tcluster=E:isis\n")
    with pytest.raises(FormatError) as info:
        read_ann(ann, doc_id="palmyra-004", text=TEXT_004, file="x.ann")
    assert info.value.problems == [
        "x.ann:3: T3: Conflict_Attack trigger is used by no event (E line)"]
    with pytest.raises(FormatError) as info:
        read_ann(ann.replace("T3\tConflict_Attack 1028 1034\tattack\n", ""),
                 doc_id="palmyra-004", text=TEXT_004, file="x.ann")
    assert info.value.problems == [
        "x.ann:3: *: Equiv joins mentions of different clusters: E:isis (T2), "
        "E:islamic-state (T1)"]


def test_cli_conll_export_reports_what_iob2_loses(tmp_path: Path, capsys) -> None:
    out = tmp_path / "gold.iob2"
    assert run("convert", "export", "conll", annotations_dir() / "palmyra-004.json", out) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "palmyra convert: note: palmyra-004: 20 nested mention(s) left out (IOB2 cannot "
        "nest; the outermost is kept)",
        "palmyra convert: note: palmyra-004: 1 span(s) widened to whole tokens",
        f"palmyra convert: wrote 1 document to {out} (CoNLL IOB2)"]
    assert out.read_text(encoding="utf-8").startswith("-DOCSTART- palmyra-004\tO\n\nIS\tB-ORG\n")
    assert run("convert", "import", "conll", out, tmp_path / "back") == 0
    back = json.loads((tmp_path / "back" / "palmyra-004.json").read_text(encoding="utf-8"))
    assert len(back["entities"]) == 81 and "status" not in back


def test_command_line_lists_the_formats_without_importing_them() -> None:
    from palmyra import formats
    from palmyra.commands import convert

    assert convert.FORMATS == formats.FORMATS
