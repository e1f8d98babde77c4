"""`palmyra validate`: one malformed document per check, each giving one exact line and exit 1;
the bundled gold is clean; output formats; usage errors; nothing is modified; no traceback."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOLD_004, REGISTRY, write_json
from palmyra import validate
from palmyra.cli import main
from palmyra.paths import annotations_dir, corpus_dir

DOC = "annotations/palmyra-004.json"
CORPUS = str(corpus_dir())
ZONES = "headline, kicker, summary, caption, subheading, body"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run `palmyra validate ARGS` in-process from tmp_path: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["validate", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _set(path: str, value: object) -> Callable[[dict], None]:
    """A mutation that sets one field, addressed like `entities.2.end`."""
    *head, last = [int(p) if p.isdigit() else p for p in path.split(".")]

    def mutate(doc: dict) -> None:
        node = doc
        for part in head:
            node = node[part]
        node[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict], None]:
    *head, last = [int(p) if p.isdigit() else p for p in path.split(".")]

    def mutate(doc: dict) -> None:
        node = doc
        for part in head:
            node = node[part]
        del node[last]

    return mutate


def _append(layer: str, item: dict) -> Callable[[dict], None]:
    return lambda doc: doc[layer].append(copy.deepcopy(item))


def _copy_of(layer: str, index: int, **changes: object) -> Callable[[dict], None]:
    return lambda doc: doc[layer].append({**copy.deepcopy(doc[layer][index]), **changes})


# (id, what to write: raw bytes or a mutation of the valid gold document, expected line
# after "annotations/palmyra-004.json:")
MALFORMED: list[tuple[str, bytes | Callable[[dict], None], str]] = [
    # reading and parsing
    ("not-json", b'{"doc_id": "palmyra-004",}',
     "$: not valid JSON: Expecting property name enclosed in double quotes at line 1, "
     "column 26"),
    ("not-json-line-2", b'{\n  "doc_id" "palmyra-004"\n}',
     "$: not valid JSON: Expecting ':' delimiter at line 2, column 12"),
    ("empty-file", b"", "$: empty: expected a JSON object (an annotation document)"),
    ("blank-file", b"\n  \n", "$: empty: expected a JSON object (an annotation document)"),
    ("not-utf8", b'{"doc_id": "caf\xe9"}',
     "$: not UTF-8: byte 0xe9 at line 1 (byte offset 15) is not valid UTF-8"),
    ("not-object", b"[]", "$: expected a JSON object (an annotation document), found array"),
    ("string-not-object", b'"palmyra-004"',
     "$: expected a JSON object (an annotation document), found string"),
    ("nan", b'{"doc_id": NaN}', "$: not valid JSON: NaN is not a JSON number"),
    # the JSON Schema
    ("wrong-type", _set("entities.0.start", "239"),
     '$.entities[0].start: expected integer, found string "239"'),
    ("layer-not-array", _set("numbers", {}), "$.numbers: expected array, found object {}"),
    ("unknown-entity-type", _set("entities.0.type", "PERSON"),
     '$.entities[0].type: expected one of PER, ORG, GPE, LOC, FAC; found "PERSON"'),
    ("unknown-event-type", _set("events.1.type", "Conflict.Withdraw"),
     "$.events[1].type: expected one of Conflict.Attack, Conflict.Airstrike, "
     "Conflict.TakeControl, Conflict.Retreat, Conflict.Defeat, Movement.Flee, "
     'Movement.Deploy, Life.Die, Artifact.Destroy, Contact.Statement; found "Conflict.Withdraw"'),
    ("negative-start", _set("numbers.0.counted.start", -1),
     "$.numbers[0].counted.start: expected a number >= 0, found -1"),
    ("empty-text", _set("attributions.1.cue.0.text", ""),
     '$.attributions[1].cue[0].text: expected a string of at least 1 character(s), found ""'),
    ("no-cue", _set("attributions.0.cue", []),
     "$.attributions[0].cue: expected at least 1 item(s), found 0"),
    ("bad-doc-id", _set("doc_id", "palmyra 004"),
     '$.doc_id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$, '
     'found "palmyra 004"'),
    ("unexpected-property", _set("entities.2.label", "ORG"),
     "$.entities[2].label: unexpected property (allowed: id, start, end, text, type, level, "
     "role, cluster, note)"),
    ("gold-needs-realis", _delete("events.0.realis"),
     "$.events[0]: missing required property 'realis' (required when status is gold)"),
    ("gold-needs-id", _delete("numbers.0.id"),
     "$.numbers[0]: missing required property 'id' (required when status is gold)"),
    ("gold-needs-all-layers", _delete("attributions"),
     "$: missing required property 'attributions' (required when status is gold)"),
    ("argument-without-filler", _set("events.2.arguments.0", {"role": "Attacker"}),
     "$.events[2].arguments[0]: expected 'mention' or 'start'/'end'/'text'; "
     "found none of them complete"),
    ("role-without-event", _delete("numbers.0.event"),
     "$.numbers[0]: property 'role' requires 'event'"),
    ("source-and-implicit-source", _set("attributions.0.implicit_source", "author"),
     "$.attributions[0]: expected at most one of 'source' and 'implicit_source'; found both"),
    # offsets and texts
    ("float-offset", _set("entities.0.start", 239.0),
     "$.entities[0].start: expected an integer offset, found 239.0"),
    ("start-not-before-end", _set("entities.2.end", 362),
     "$.entities[2].end: expected an end after start 362, found 362"),
    ("end-beyond-text", _set("entities.8.end", 3000),
     "$.entities[8].end: expected an end <= 2723 (the length of the text), found 3000"),
    ("entity-text", _set("entities.4.text", "Talal Barazy"),
     '$.entities[4].text: expected "Talal Barazi" (text[523:535]), found "Talal Barazy"; '
     '"Talal Barazy" does not occur in the text'),
    ("trigger-off-by-one", _set("events.0.trigger.start", 267),
     '$.events[0].trigger.text: expected " recaptured" (text[267:278]), found "recaptured"; '
     '"recaptured" is at 268-278'),
    ("argument-span-text", _set("events.0.arguments.1.text", "palmyra"),
     '$.events[0].arguments[1].text: expected "Palmyra" (text[299:306]), found "palmyra"; '
     '"palmyra" does not occur in the text'),
    ("time-span-text", _set("events.0.time.span.text", "on Monday"),
     '$.events[0].time.span.text: expected "on Sunday" (text[307:316]), found "on Monday"; '
     '"on Monday" does not occur in the text'),
    ("number-text", _set("numbers.0.text", "more than 4000"),
     '$.numbers[0].text: expected "more than 4,000" (text[963:978]), found "more than 4000"; '
     '"more than 4000" does not occur in the text'),
    ("counted-text", _set("numbers.0.counted.text", "IS militants"),
     '$.numbers[0].counted.text: expected "IS group militants" (text[979:997]), found '
     '"IS militants"; "IS militants" does not occur in the text'),
    ("source-text", _set("attributions.0.source.text", "Syrian State TV"),
     '$.attributions[0].source.text: expected "Syrian state TV" (text[362:377]), found '
     '"Syrian State TV"; "Syrian State TV" does not occur in the text'),
    ("cue-text", _set("attributions.0.cue.1.text", "as said"),
     '$.attributions[0].cue[1].text: expected "as saying" (text[403:412]), found "as said"; '
     '"as said" does not occur in the text'),
    ("content-text", _set("attributions.1.content.0.end", 608),
     '$.attributions[1].content[0].text: expected "the army had pulled out of the cit" '
     '(text[574:608]), found "the army had pulled out of the city"; '
     '"the army had pulled out of the city" is at 574-609'),
    # ids and references
    ("duplicate-id", _set("entities.3.id", "m1"),
     "$.entities[3].id: duplicate id 'm1' (first at $.entities[0].id)"),
    ("duplicate-id-across-layers", _set("numbers.0.id", "ev1"),
     "$.numbers[0].id: duplicate id 'ev1' (first at $.events[0].id)"),
    ("argument-mention-unknown", _set("events.1.arguments.0.mention", "m99"),
     "$.events[1].arguments[0].mention: no entity with id 'm99' in this document"),
    ("argument-mention-is-event", _set("events.1.arguments.0.mention", "ev1"),
     "$.events[1].arguments[0].mention: no entity with id 'ev1' in this document "
     "('ev1' is an event)"),
    ("argument-span-disagrees", _set("events.0.arguments.1",
                                     {"role": "Territory", "mention": "m2", "start": 601,
                                      "end": 609, "text": "the city"}),
     "$.events[0].arguments[1]: span 601-609 differs from mention 'm2' (299-306)"),
    ("number-entity-unknown", _set("numbers.0.entity", "m42"),
     "$.numbers[0].entity: no entity with id 'm42' in this document"),
    ("time-not-a-date", _set("events.0.time.value", "2016-02-30"),
     '$.events[0].time.value: expected a calendar date, found "2016-02-30"'),
    ("timex-not-a-date", _set("numbers.0.timex", "2016-13"),
     '$.numbers[0].timex: expected a calendar date, found "2016-13"'),
    ("number-event-unknown", _set("numbers.0.event", "ev9"),
     "$.numbers[0].event: no event with id 'ev9' in this document"),
    ("source-mention-unknown", _set("attributions.1.source.mention", "m50"),
     "$.attributions[1].source.mention: no entity with id 'm50' in this document"),
    ("source-mention-outside", _set("attributions.1.source.mention", "m6"),
     "$.attributions[1].source.mention: mention 'm6' (550-563) lies outside the source span "
     "514-535; expected a mention inside it"),
    ("parent-unknown", _set("attributions.1.parent", "a9"),
     "$.attributions[1].parent: no attribution with id 'a9' in this document"),
    ("parent-cycle", _set("attributions.2.parent", "a2"),
     "$.attributions[1].parent: attribution parents form a cycle: a2 -> a3 -> a2"),
    ("own-parent", _set("attributions.0.parent", "a1"),
     "$.attributions[0].parent: attribution parents form a cycle: a1 -> a1"),
    # the ontology
    ("role-not-allowed", _set("events.2.arguments.0.role", "Victim"),
     "$.events[2].arguments[0].role: role 'Victim' is not allowed for Conflict.Attack "
     "(allowed: Attacker, Target, Instrument, Place)"),
    ("number-role-not-allowed", _set("numbers.0.role", "Captor"),
     "$.numbers[0].role: role 'Captor' is not allowed for Conflict.Attack event 'ev3' "
     "(allowed: Attacker, Target, Instrument, Place)"),
    # clusters and the registry
    ("entity-cluster-unknown", _set("entities.3.cluster", "E:barazi"),
     "$.entities[3].cluster: cluster 'E:barazi' is not in the registry "
     "annotations/clusters.json"),
    ("event-cluster-unknown", _set("events.3.cluster", "V:is-retakes-palmyra"),
     "$.events[3].cluster: cluster 'V:is-retakes-palmyra' is not in the registry "
     "annotations/clusters.json"),
    ("entity-cluster-is-event-cluster", _set("entities.3.cluster", "V:is-attack-palmyra-2016-12"),
     "$.entities[3].cluster: cluster 'V:is-attack-palmyra-2016-12' is an event cluster in the "
     "registry, expected an entity cluster"),
    ("entity-type-vs-registry", _set("entities.3.type", "ORG"),
     "$.entities[3].type: type ORG disagrees with cluster 'E:talal-barazi' (PER in the "
     "registry)"),
    ("event-type-vs-registry", _set("events.2.type", "Conflict.Airstrike"),
     "$.events[2].type: type Conflict.Airstrike disagrees with cluster "
     "'V:is-attack-palmyra-2016-12' (Conflict.Attack in the registry)"),
    # duplicates and zones
    ("duplicate-entity", _copy_of("entities", 1, id="m10"),
     "$.entities[9]: duplicate of $.entities[1] (same span and type)"),
    ("duplicate-event", _copy_of("events", 2, id="ev5"),
     "$.events[4]: duplicate of $.events[2] (same trigger span and type)"),
    ("duplicate-number", _copy_of("numbers", 0, id="n2"),
     "$.numbers[1]: duplicate of $.numbers[0] (same span and kind)"),
    ("duplicate-attribution", _copy_of("attributions", 0, id="a4"),
     "$.attributions[3]: duplicate of $.attributions[0] (same cue and content spans)"),
    ("duplicate-argument", lambda d: d["events"][2]["arguments"].append(
        {"role": "Attacker", "mention": "m9"}),
     "$.events[2].arguments[1]: duplicate of argument 0 (same role and filler)"),
    ("in-credit-zone", _append("entities", {"id": "m10", "start": 99, "end": 102,
                                            "text": "AFP", "type": "ORG", "level": "NAM",
                                            "cluster": "E:syrian-state-tv"}),
     f"$.entities[9]: span 99-102 is in a credit zone (83-105); gold annotations lie in "
     f"article text ({ZONES})"),
    ("across-zones", _append("entities", {"id": "m10", "start": 80, "end": 90,
                                          "text": "s\n\nLouai B", "type": "PER",
                                          "level": "NAM", "cluster": "E:talal-barazi"}),
     "$.entities[9]: span 80-90 is in a credit zone (83-105); gold annotations lie in "
     f"article text ({ZONES})"),
    # the corpus
    ("unknown-doc-id", _set("doc_id", "palmyra-009"),
     f"$.doc_id: unknown doc_id 'palmyra-009': no palmyra-009.json in {CORPUS}"),
]


def _write(root: Path, content: bytes | Callable[[dict], None]) -> Path:
    """Write the folder: the registry and one document, named after its doc_id."""
    root.mkdir(exist_ok=True)
    write_json(root / "clusters.json", REGISTRY)
    if isinstance(content, bytes):
        path = root / "palmyra-004.json"
        path.write_bytes(content)
        return path
    doc = copy.deepcopy(GOLD_004)
    content(doc)
    return write_json(root / f"{doc['doc_id']}.json", doc)


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in MALFORMED],
                         ids=[c[0] for c in MALFORMED])
def test_malformed_document_gives_one_exact_line(tmp_path, cli, content, expected):
    path = _write(tmp_path / "annotations", content).relative_to(tmp_path)
    code, out, err = cli("annotations")
    assert out == f"{path}:{expected}\n"
    assert code == 1
    assert err.startswith("palmyra validate: 2 files, 1 problem (1 error, 0 warnings)")


def test_the_fixture_document_is_valid(tmp_path, cli, folder):
    folder()
    assert cli("annotations") == (0, "", "palmyra validate: 2 files, 0 problems\n")


def test_accelerated_and_plain_schema_checks_agree(tmp_path):
    """With jsonschema-rs installed, its yes/no pre-check changes no reported problem."""
    pytest.importorskip("jsonschema_rs")
    assert validate.accelerated()
    for name, content, _ in MALFORMED:
        path = _write(tmp_path / name, content)
        fast = validate.validate_paths([path.parent], accelerate=True)
        plain = validate.validate_paths([path.parent], accelerate=False)
        assert fast.problems == plain.problems, name
        assert len(fast.problems) == 1, name


def test_bundled_gold_is_clean(cli):
    code, out, err = cli()
    assert (code, out) == (0, "")
    assert err.endswith(" 0 problems\n")
    n_docs = len(list(annotations_dir().glob("*.json")))
    assert err == f"palmyra validate: {n_docs} files, 0 problems\n"


def test_bundled_gold_through_the_library():
    assert validate.validate_folder(annotations_dir()) == []
    for path in sorted(annotations_dir().glob("palmyra-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert validate.validate_document(data) == [], path.name


def test_folder_skips_other_files_subfolders_and_hidden_files(tmp_path, cli, folder):
    root = folder()
    (root / "GUIDELINES.md").write_text("# Guidelines\n", encoding="utf-8")
    for sub in ("staging", "agreement"):
        (root / sub).mkdir()
        (root / sub / "palmyra-004.json").write_text("not json", encoding="utf-8")
    (root / ".palmyra-004.json.tmp").write_text("{", encoding="utf-8")
    (root / ".hidden.json").write_text("{", encoding="utf-8")
    assert cli("annotations") == (0, "", "palmyra validate: 2 files, 0 problems\n")


def test_recursive_checks_subfolders(tmp_path, cli, folder):
    root = folder()
    (root / "staging").mkdir()
    (root / "staging" / "palmyra-004.json").write_text("not json", encoding="utf-8")
    (root / "empty").mkdir()
    code, out, _ = cli("--recursive", "annotations")
    assert (code, out) == (1, "annotations/staging/palmyra-004.json:$: not valid JSON: "
                              "Expecting value at line 1, column 1\n")


def test_all_problems_of_a_file_are_reported(tmp_path, cli):
    def many(doc: dict) -> None:
        doc["entities"][0]["start"] = "239"
        doc["entities"][4]["text"] = "Talal"
        doc["events"][2]["arguments"][0]["role"] = "Victim"
        doc["numbers"][0]["entity"] = "m42"
        doc["attributions"][2]["parent"] = "a2"

    _write(tmp_path / "annotations", many)
    code, out, err = cli("annotations")
    assert code == 1
    assert [line.split(":", 2)[1] for line in out.splitlines()] == [
        "$.attributions[1].parent", "$.entities[0].start", "$.entities[4].text",
        "$.events[2].arguments[0].role", "$.numbers[0].entity"]
    assert "5 problems (5 errors, 0 warnings)" in err


def test_file_name_must_match_doc_id(tmp_path, cli, gold):
    root = tmp_path / "annotations"
    root.mkdir()
    write_json(root / "clusters.json", REGISTRY)
    write_json(root / "palmyra-003.json", gold)
    code, out, _ = cli("annotations")
    assert (code, out) == (1, "annotations/palmyra-003.json:$.doc_id: file name "
                              "palmyra-003.json does not match doc_id 'palmyra-004' "
                              "(expected palmyra-004.json)\n")


def test_a_prediction_outside_the_folder_may_have_any_name(tmp_path, cli, gold):
    prediction = {k: v for k, v in gold.items() if k != "status"}
    write_json(tmp_path / "run-1.json", prediction)
    assert cli("run-1.json")[:2] == (0, "")


def test_empty_folder(tmp_path, cli):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "notes.txt").write_text("x", encoding="utf-8")
    code, out, _ = cli("annotations")
    assert (code, out) == (1, "annotations:$: no annotation documents (*.json, *.jsonl) "
                              "in this folder\n")


def test_gold_needs_a_registry(tmp_path, cli, folder):
    folder(clusters=None)
    code, out, _ = cli("annotations")
    assert (code, out) == (1, f"{DOC}:$: gold cluster ids cannot be resolved: no clusters.json "
                              "in annotations\n")


def test_unused_registry_entry_is_a_warning(tmp_path, cli, folder, registry):
    registry["entities"].append({"id": "E:tadmur-airport", "type": "FAC", "name": "airport"})
    folder(clusters=registry)
    code, out, err = cli("annotations")
    line = ("annotations/clusters.json:$.entities[7]: warning: cluster 'E:tadmur-airport' is "
            "not used by any gold document\n")
    assert (code, out) == (0, line)
    assert err == "palmyra validate: 2 files, 1 problem (0 errors, 1 warning)\n"
    assert cli("--strict", "annotations")[:2] == (1, line)


def test_registry_problems(tmp_path, cli, folder, registry):
    registry["events"].append(dict(registry["entities"][0]))  # an entity among the events
    registry["entities"][1]["type"] = "CITY"
    folder(clusters=registry)
    code, out, _ = cli("annotations")
    reg = "annotations/clusters.json"
    assert (code, out.splitlines()) == (1, [
        f'{reg}:$.entities[1].type: expected one of PER, ORG, GPE, LOC, FAC; found "CITY"',
        f"{reg}:$.events[3]: missing required property 'description'",
        f"{reg}:$.events[3].id: duplicate cluster id 'E:islamic-state' (first at "
        "$.entities[0].id)",
        f"{reg}:$.events[3].name: unexpected property (allowed: id, type, description, note)",
        f"{reg}:$.events[3].type: expected one of Conflict.Attack, Conflict.Airstrike, "
        "Conflict.TakeControl, Conflict.Retreat, Conflict.Defeat, Movement.Flee, "
        'Movement.Deploy, Life.Die, Artifact.Destroy, Contact.Statement; found "ORG"',
    ])


def _prediction(gold: dict) -> dict:
    """A prediction: no status, no ids required; keeps the mentions' clusters."""
    return {"schema_version": "1.0.0", "doc_id": gold["doc_id"],
            "entities": copy.deepcopy(gold["entities"])}


def test_prediction_cluster_types_agree_within_a_document(tmp_path, cli, gold):
    # A prediction that mixes types in a cluster is scoreable: a warning, not an error;
    # --strict turns warnings into exit 1.
    prediction = _prediction(gold)
    prediction["entities"][3]["type"] = "ORG"  # the Homs governor, same cluster as m5 (PER)
    write_json(tmp_path / "run.json", prediction)
    line = ("run.json:$.entities[4].type: warning: type PER disagrees with cluster "
            "'E:talal-barazi' (ORG at $.entities[3])\n")
    assert cli("run.json")[:2] == (0, line)
    assert cli("--strict", "run.json")[:2] == (1, line)


def test_prediction_cluster_types_agree_across_documents(tmp_path, cli, gold):
    run = tmp_path / "run"
    run.mkdir()
    first = _prediction(gold)
    text_003 = (corpus_dir() / "palmyra-003.txt").read_text(encoding="utf-8")
    start = text_003.index("Palmyra")
    second = {"schema_version": "1.0.0", "doc_id": "palmyra-003", "entities": [
        {"start": start, "end": start + 7, "text": "Palmyra", "type": "LOC",
         "cluster": "E:palmyra-town"}]}
    write_json(run / "palmyra-003.json", second)
    write_json(run / "palmyra-004.json", first)
    code, out, _ = cli("--strict", "run")
    assert (code, out.splitlines()) == (1, [
        f"run/palmyra-004.json:$.entities[{i}].type: warning: type GPE disagrees with cluster "
        "'E:palmyra-town' (LOC at run/palmyra-003.json:$.entities[0])" for i in (1, 7)])


def test_prediction_cluster_names_one_kind(tmp_path, cli, gold):
    prediction = _prediction(gold)
    prediction["events"] = [{"trigger": gold["events"][0]["trigger"],
                             "type": "Conflict.TakeControl", "cluster": "E:islamic-state"}]
    write_json(tmp_path / "run.json", prediction)
    code, out, _ = cli("run.json")
    assert (code, out) == (1, "run.json:$.events[0].cluster: cluster 'E:islamic-state' names "
                              "an entity at $.entities[0], so it cannot name an event\n")


def test_predictions_may_lie_outside_annotated_zones(tmp_path, cli):
    prediction = {"schema_version": "1.0.0", "doc_id": "palmyra-004", "entities": [
        {"start": 0, "end": 20, "text": "Skip to main content", "type": "ORG"}]}
    write_json(tmp_path / "run.json", prediction)
    assert cli("run.json")[:2] == (0, "")


def test_jsonl_reports_line_numbers(tmp_path, cli, gold):
    other = {"schema_version": "1.0.0", "doc_id": "palmyra-003"}
    good = _prediction(gold)
    bad = _prediction(gold)
    bad["entities"][0]["end"] = 266
    lines = [json.dumps(other), "", json.dumps(bad), "{oops", json.dumps(good)]
    (tmp_path / "run.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("run.jsonl")
    assert code == 1
    assert out.splitlines() == [
        'run.jsonl:3:$.entities[0].text: expected "The Islamic State (IS) grou" '
        '(text[239:266]), found "The Islamic State (IS) group"; "The Islamic State (IS) '
        'group" is at 239-267',
        "run.jsonl:4:$: not valid JSON: Expecting property name enclosed in double quotes at "
        "column 2",
        "run.jsonl:5:$.doc_id: doc_id 'palmyra-004' is annotated twice (also at "
        "run.jsonl:3:$.doc_id)",
    ]
    assert err == "palmyra validate: 1 file, 3 problems (3 errors, 0 warnings)\n"


def test_jsonl_lines_end_at_newlines_only(tmp_path, cli, gold):
    prediction = {**_prediction(gold), "notes": "line\u2028separator\u0085inside"}
    lines = [json.dumps(prediction, ensure_ascii=False), ""]
    (tmp_path / "run.jsonl").write_text("\r\n".join(lines), encoding="utf-8", newline="")
    assert cli("run.jsonl") == (0, "", "palmyra validate: 1 file, 0 problems\n")


def test_empty_jsonl(tmp_path, cli):
    (tmp_path / "run.jsonl").write_text("\n\n", encoding="utf-8")
    assert cli("run.jsonl")[:2] == (1, "run.jsonl:$: empty: expected one JSON object (an "
                                       "annotation document) per line\n")


def test_duplicate_key(tmp_path, cli, gold):
    text = json.dumps(gold).replace('"start": 299,', '"start": 299, "start": 298,', 1)
    (tmp_path / "annotations").mkdir()
    write_json(tmp_path / "annotations" / "clusters.json", REGISTRY)
    (tmp_path / DOC).write_text(text, encoding="utf-8")
    code, out, _ = cli("annotations")
    assert code == 1
    assert out.splitlines()[0] == (f"{DOC}:$.entities[1].start: duplicate key: JSON keeps "
                                   "only the last value")


def test_byte_order_mark_is_reported_and_the_rest_still_checked(tmp_path, cli, gold):
    gold["entities"][0]["type"] = "PERSON"
    (tmp_path / "annotations").mkdir()
    write_json(tmp_path / "annotations" / "clusters.json", REGISTRY)
    (tmp_path / DOC).write_bytes(b"\xef\xbb\xbf" + json.dumps(gold).encode())
    code, out, _ = cli("annotations")
    assert (code, out.splitlines()) == (1, [
        f"{DOC}:$: starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM",
        f'{DOC}:$.entities[0].type: expected one of PER, ORG, GPE, LOC, FAC; found "PERSON"'])


# ---- the corpus itself


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(corpus_dir(), target)
    return target


def test_corpus_checksum_and_length(tmp_path, cli, folder, corpus_copy):
    folder()
    meta_path = corpus_copy / "palmyra-004.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["sha256"] = "0" * 64
    meta["length"] = 2741  # bytes, not characters
    write_json(meta_path, meta)
    code, out, _ = cli("--corpus", "corpus", "annotations")
    assert (code, out.splitlines()) == (1, [
        "corpus/palmyra-004.json:$.length: expected 2723 (characters in the text), found 2741",
        "corpus/palmyra-004.json:$.sha256: expected e15af6de3ccd405e95153a40a15a9152ecea3b18"
        "042b4687cc55ee0b071c25cc (sha256 of palmyra-004.txt), found \"" + "0" * 64 + '"'])


def test_corpus_zones_partition_the_text(tmp_path, cli, folder, corpus_copy):
    folder()
    meta_path = corpus_copy / "palmyra-004.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["zones"][1]["start"] = 20     # overlaps the first zone (0-22) by 2
    meta["zones"][3]["type"] = "photo"
    meta["zones"][4]["start"] = 240    # a gap of 1 after the caption (105-239)
    meta["zones"][5]["end"] = 2700     # short of the end of the text (2723)
    write_json(meta_path, meta)
    code, out, _ = cli("--corpus", "corpus", "annotations")
    assert (code, out.splitlines()) == (1, [
        "corpus/palmyra-004.json:$.zones[1].start: expected 22 (where the previous zone ends), "
        "found 20: an overlap of 2 character(s)",
        'corpus/palmyra-004.json:$.zones[3].type: unknown zone type "photo" (expected one of '
        "headline, kicker, summary, caption, subheading, body, byline, credit, boilerplate)",
        "corpus/palmyra-004.json:$.zones[4].start: expected 239 (where the previous zone "
        "ends), found 240: a gap of 1 character(s)",
        "corpus/palmyra-004.json:$.zones[5].end: expected 2723 (the length of the text), "
        "found 2700"])


def test_corpus_unreadable_metadata(tmp_path, cli, folder, corpus_copy):
    folder()
    (corpus_copy / "palmyra-004.json").write_text('{"doc_id": "palmyra-004", "zones": [1]}',
                                                  encoding="utf-8")
    code, out, _ = cli("--corpus", "corpus", "annotations")
    assert (code, out.splitlines()) == (1, [
        f"{DOC}:$.doc_id: corpus document 'palmyra-004' is unusable (see corpus)",
        "corpus/palmyra-004.json:$: $.zones: expected a list of objects with 'type', 'start' "
        "and 'end'"])


# ---- formats, usage errors, safety


def test_json_format(tmp_path, cli):
    _write(tmp_path / "annotations", _set("numbers.0.entity", "m42"))
    code, out, _ = cli("--format", "json", "annotations")
    assert code == 1
    assert json.loads(out) == [{
        "file": DOC, "line": None, "path": "$.numbers[0].entity", "severity": "error",
        "check": "reference", "message": "no entity with id 'm42' in this document"}]


def test_json_format_when_clean(tmp_path, cli, folder):
    folder()
    assert cli("--format", "json", "annotations")[:2] == (0, "[]\n")


def test_github_format_escapes_properties(tmp_path, cli):
    _write(tmp_path / "annotations", _set("entities.3.cluster", "E:isis"))
    code, out, _ = cli("--format", "github", "annotations")
    assert (code, out) == (1, "::error file=annotations/palmyra-004.json,"
                              "title=palmyra validate $.entities[3].cluster::cluster 'E:isis' "
                              "is not in the registry annotations/clusters.json\n")


def test_github_escaping():
    from palmyra.commands.validate import _github

    problem = validate.Problem("a,b:c.json", "$", "50%\nthen", "warning", "json", 3)
    assert _github(problem) == ("::warning file=a%2Cb%3Ac.json,line=3,"
                                "title=palmyra validate $::50%25%0Athen")


def test_github_format_jsonl_line(tmp_path, cli):
    (tmp_path / "run.jsonl").write_text('{"schema_version": "1.0.0", "doc_id": 4}\n',
                                        encoding="utf-8")
    assert cli("--format", "github", "run.jsonl")[:2] == (
        1, "::error file=run.jsonl,line=1,title=palmyra validate $.doc_id::expected string, "
           "found integer 4\n")


def test_no_such_path_is_a_usage_error(cli):
    assert cli("missing.json") == (2, "", "palmyra validate: error: no such file or folder: "
                                          "missing.json\n")


def test_no_such_corpus_is_a_usage_error(cli, folder):
    folder()
    assert cli("--corpus", "nowhere", "annotations") == (
        2, "", "palmyra validate: error: corpus folder not found: nowhere\n")


def test_negative_jobs_is_a_usage_error(cli):
    assert cli("--jobs", "-1") == (2, "", "palmyra validate: error: --jobs: expected 0 (one "
                                          "per CPU) or more, found -1\n")


def test_bad_option_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as exc:
        cli("--format", "xml")
    assert exc.value.code == 2


def test_nothing_is_modified(tmp_path, cli, folder):
    root = folder()
    (root / "palmyra-003.json").write_text('{"doc_id": "palmyra-003",}', encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.iterdir()}
    assert cli("annotations")[0] == 1
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.iterdir()} == before


def test_python_m_palmyra_prints_no_traceback(tmp_path):
    bad = tmp_path / "palmyra-004.json"
    bad.write_bytes(b'{"schema_version": "1.0.0", "doc_id": "palmyra-004", "entities": [7]}')
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "palmyra", "validate", bad.name],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == "palmyra-004.json:$.entities[0]: expected object, found integer 7\n"
    assert result.stderr == "palmyra validate: 1 file, 1 problem (1 error, 0 warnings)\n"


# ---- the library API


def test_validate_document_in_memory():
    prediction = {"schema_version": "1.0.0", "doc_id": "palmyra-004",
                  "entities": [{"start": 514, "end": 535, "text": "Governor Talal Barazi",
                                "type": "PER"},
                               {"start": 535, "end": 514, "text": "x", "type": "PER"}]}
    assert validate.validate_document(prediction) == [validate.Problem(
        "<memory>", "$.entities[1].end", "expected an end after start 535, found 514",
        "error", "span")]


def test_validate_document_gold_uses_the_given_registry(gold, registry):
    assert validate.validate_document(gold, registry=registry) == []
    registry["entities"] = registry["entities"][1:]
    assert [str(p) for p in validate.validate_document(gold, registry=registry)] == [
        "<memory>:$.entities[0].cluster: cluster 'E:islamic-state' is not in the cluster "
        "registry"]


def test_validate_file_and_problem_fields(tmp_path):
    path = _write(tmp_path / "annotations", _set("numbers.0.event", "ev9"))
    [problem] = validate.validate_file(path)
    assert problem == validate.Problem(str(path), "$.numbers[0].event",
                                       "no event with id 'ev9' in this document", "error",
                                       "reference")
    assert str(problem) == f"{path}:$.numbers[0].event: no event with id 'ev9' in this document"


def test_validate_registry_file(tmp_path, registry):
    registry["entities"][0]["name"] = ""
    path = write_json(tmp_path / "clusters.json", registry)
    assert [str(p) for p in validate.validate_file(path)] == [
        f'{path}:$.entities[0].name: expected a string of at least 1 character(s), found ""']


def test_json_path_quotes_odd_keys():
    assert validate.json_path(()) == "$"
    assert validate.json_path(("entities", 3, "end")) == "$.entities[3].end"
    assert validate.json_path(("a b", 0)) == '$["a b"][0]'


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 4000) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


_ALL_PATHS = _paths(GOLD_004)[1:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _JSON), min_size=1, max_size=4))
def test_never_raises_on_mutated_documents(changes):
    """Replace random parts of a valid document with random JSON: problems, never a crash."""
    doc = copy.deepcopy(GOLD_004)
    for path, value in changes:
        node = doc
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    problems = validate.validate_document(doc, registry=REGISTRY)
    assert all(isinstance(p, validate.Problem) and p.message for p in problems)


def test_pre_commit_hook_runs_on_changed_top_level_annotation_files(monkeypatch, capsys):
    import re

    import yaml

    root = Path(__file__).resolve().parents[1]
    [hook] = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"]) == ("palmyra-validate",
                                                            "palmyra validate", "python")
    files = re.compile(hook["files"])
    changed = ["annotations/palmyra-004.json", "annotations/clusters.json",
               "annotations/GUIDELINES.md", "annotations/staging/entities/palmyra-004.json",
               "corpus/palmyra-004.json", "run.jsonl", "annotations/run.jsonl"]
    selected = [f for f in changed if files.search(f)]
    assert selected == ["annotations/palmyra-004.json", "annotations/clusters.json",
                        "annotations/run.jsonl"]
    # pre-commit runs `entry args files...` from the repository root.
    monkeypatch.chdir(root)
    argv = [*hook["entry"].split()[1:], *hook["args"], *selected[:2]]
    assert main(argv) == 0
    assert capsys.readouterr() == ("", "palmyra validate: 2 files, 0 problems\n")


def test_two_processes_report_exactly_what_one_does(tmp_path, monkeypatch, corpus_copy):
    """Large folders are split over processes; the cross-document checks run afterwards, so
    the problems (and their order) never depend on the split."""
    root = tmp_path / "annotations"
    shutil.copytree(annotations_dir(), root, ignore=shutil.ignore_patterns("*.md", "agreement",
                                                                 "claims.json"))
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in root.glob("palmyra-*")}
    for doc_id in ("palmyra-000", "palmyra-002"):  # predictions: clusters agree across them
        docs[doc_id]["status"] = "prediction"
    shared = next(e["cluster"] for e in docs["palmyra-002"]["entities"]
                  if e["cluster"] in {x["cluster"] for x in docs["palmyra-000"]["entities"]})
    mention = next(e for e in docs["palmyra-002"]["entities"] if e["cluster"] == shared)
    mention["type"] = "LOC" if mention["type"] != "LOC" else "FAC"
    docs["palmyra-001"]["entities"][0]["text"] += "x"
    docs["palmyra-003"]["events"][0]["arguments"].append({"role": "Nobody", "mention": "m1"})
    for doc_id, doc in docs.items():
        write_json(root / f"{doc_id}.json", doc)
    meta = json.loads((corpus_copy / "palmyra-004.json").read_text(encoding="utf-8"))
    meta["length"] += 1
    write_json(corpus_copy / "palmyra-004.json", meta)

    one = validate.validate_paths([root], corpus_dir=corpus_copy, jobs=1)
    monkeypatch.setattr(validate, "PARALLEL_MIN_DOCUMENTS", 2)
    two = validate.validate_paths([root], corpus_dir=corpus_copy, jobs=2)
    assert two.problems == one.problems
    assert two.files == one.files == 6
    # registry: clusters only the two predictions use are now unused by gold (warnings)
    assert {p.check for p in one.problems} == {"cluster", "span", "ontology", "corpus",
                                               "registry"}
    assert sum(p.check == "cluster" and p.file.endswith("palmyra-002.json")
               for p in one.problems) >= 1
