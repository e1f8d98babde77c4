"""The JSON Schemas are valid draft 2020-12 and their enums agree with schema/ontology.yaml,
which is the one place labels are written."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from palmyra.annotations import SCHEMA_VERSION
from palmyra.ontology import load_ontology
from palmyra.paths import schema_dir

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _load(name: str) -> dict:
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


ANNOTATION = _load("annotation.schema.json")
CLUSTERS = _load("clusters.schema.json")
ONTOLOGY = load_ontology().raw
DEFS = ANNOTATION["$defs"]


@pytest.mark.parametrize("schema", [ANNOTATION, CLUSTERS], ids=["annotation", "clusters"])
def test_schemas_are_valid_draft_2020_12(schema):
    assert schema["$schema"] == DRAFT
    Draft202012Validator.check_schema(schema)
    assert schema["schema_version"] == SCHEMA_VERSION


def _enum(schema: dict, *path: str) -> list:
    node = schema
    for key in path:
        node = node[key]
    return node["enum"]


def _units() -> list[str]:
    return [unit for group in ONTOLOGY["units"].values() for unit in group]


@pytest.mark.parametrize(("where", "expected"), [
    (("entity", "properties", "type"), list(ONTOLOGY["entity_types"])),
    (("entity", "properties", "level"), list(ONTOLOGY["mention_levels"])),
    (("entity", "properties", "role"), list(ONTOLOGY["mention_roles"])),
    (("event", "properties", "type"), list(ONTOLOGY["event_types"])),
    (("event", "properties", "realis"), list(ONTOLOGY["realis"])),
    (("number", "properties", "kind"), list(ONTOLOGY["number_kinds"])),
    (("number", "properties", "qualifier"), list(ONTOLOGY["number_qualifiers"])),
    (("number", "properties", "unit"), _units()),
    (("attribution", "properties", "type"), list(ONTOLOGY["attribution_types"])),
    (("attribution", "properties", "implicit_source"), list(ONTOLOGY["implicit_sources"])),
], ids=lambda v: ".".join(v) if isinstance(v, tuple) else None)
def test_annotation_enums_agree_with_the_ontology(where, expected):
    assert _enum(DEFS, *where) == expected


def test_registry_enums_agree_with_the_ontology():
    items = CLUSTERS["properties"]
    assert _enum(items, "entities", "items", "properties", "type") == \
        list(ONTOLOGY["entity_types"])
    assert _enum(items, "events", "items", "properties", "type") == list(ONTOLOGY["event_types"])


def test_mention_roles_are_the_entity_types():
    assert ONTOLOGY["mention_roles"] == list(ONTOLOGY["entity_types"])


def test_every_role_of_the_ontology_fits_the_role_pattern():
    roles = {r for event in ONTOLOGY["event_types"].values() for r in event["roles"]}
    for where in (DEFS["argument"], DEFS["number"]):
        pattern = re.compile(where["properties"]["role"]["pattern"])
        assert all(pattern.search(role) for role in roles)
    assert {"Attacker", "Captor", "Retreater", "Victim", "Speaker"} <= roles


def test_every_event_type_has_roles_and_a_definition():
    for name, event in ONTOLOGY["event_types"].items():
        assert re.fullmatch(r"[A-Z][a-z]+\.[A-Z][A-Za-z]+", name)
        assert event["definition"] and event["roles"]
        assert len(set(event["roles"])) == len(event["roles"])


def test_gold_requires_ids_clusters_levels_realis_and_all_layers():
    then = ANNOTATION["then"]
    assert ANNOTATION["if"]["properties"]["status"] == {"const": "gold"}
    assert then["required"] == ["entities", "events", "numbers", "attributions"]
    required = {layer: then["properties"][layer]["items"]["required"]
                for layer in then["properties"]}
    assert required == {"entities": ["id", "cluster", "level"],
                        "events": ["id", "cluster", "realis"],
                        "numbers": ["id"], "attributions": ["id"]}


def test_zone_types_declare_whether_they_are_annotated():
    zones = ONTOLOGY["zone_types"]
    assert {k for k, v in zones.items() if v["annotated"]} == {
        "headline", "kicker", "summary", "caption", "subheading", "body"}
    assert {k for k, v in zones.items() if not v["annotated"]} == {
        "byline", "credit", "boilerplate"}


def test_the_registry_and_documents_share_the_id_pattern():
    id_pattern = DEFS["id"]["pattern"]
    for layer in ("entities", "events"):
        assert CLUSTERS["properties"][layer]["items"]["properties"]["id"]["pattern"] == id_pattern


README = schema_dir() / "README.md"


def _readme_json_blocks() -> list[dict]:
    text = README.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


@pytest.mark.skipif(not README.is_file(), reason="schema/README.md is not in this install")
def test_the_readme_example_is_valid_gold():
    from palmyra.validate import validate_document

    [document, registry] = _readme_json_blocks()
    assert document["status"] == "gold" and "description" in registry["events"][0]
    assert validate_document(document, registry=registry) == []


@pytest.mark.skipif(not README.is_file(), reason="schema/README.md is not in this install")
def test_the_readme_role_table_is_the_ontology():
    rows = re.findall(r"^\| `([A-Z][a-z]+\.[A-Za-z]+)` \| ([A-Za-z, ]+) \|$",
                      README.read_text(encoding="utf-8"), re.M)
    assert {name: roles.split(", ") for name, roles in rows} == {
        name: event["roles"] for name, event in ONTOLOGY["event_types"].items()}
