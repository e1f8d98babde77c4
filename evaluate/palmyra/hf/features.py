"""The configurations of the Hugging Face view and their features (column types).

Every column is declared, so that neither `datasets.load_dataset` nor `Dataset.from_list`
infers a schema from the first rows (an all-null column, an int before a float or a field
that first appears in a later file would otherwise fail to cast). Lists of objects are
declared with `List({...})`, the `list:` form of the YAML.

Labels stay strings except `ner_tags` of the tokens configuration, a ClassLabel whose names
come from the ontology ("O", then "B-" and "I-" of each entity type in ontology order).
"""

from __future__ import annotations

from collections.abc import Sequence

from datasets import ClassLabel, Features, List, Value

CONFIGS = ("documents", "entities", "events", "numbers", "attributions", "coreference",
           "tokens", "annotations")
DEFAULT_CONFIG = "documents"
SPLIT = "test"

_STR = Value("string")
_INT = Value("int32")
_FLOAT = Value("float64")
_BOOL = Value("bool")

SPAN = {"start": _INT, "end": _INT, "text": _STR}

ZONE = {"type": _STR, "start": _INT, "end": _INT}

# corpus/<doc_id>.json: every field a document's metadata may hold.
DOCUMENT = {
    "doc_id": _STR,
    "text": _STR,
    "seed_file": _STR,
    "sha256": _STR,
    "length": _INT,
    "language": _STR,
    "headline": _STR,
    "headline_note": _STR,
    "outlet": {"name": _STR, "kind": _STR, "inferred": _BOOL, "evidence": _STR},
    "published": {"value": _STR, "precision": _STR, "inferred": _BOOL, "evidence": _STR},
    "notes": _STR,
    "zones": List(ZONE),
}

# The items of an annotation document (schema/annotation.schema.json, $defs), field for field.
ENTITY = {"id": _STR, **SPAN, "type": _STR, "level": _STR, "role": _STR, "cluster": _STR,
          "note": _STR}

EVENT = {
    "id": _STR,
    "trigger": SPAN,
    "type": _STR,
    "realis": _STR,
    "arguments": List({"role": _STR, "mention": _STR, **SPAN}),
    "time": {"value": _STR, "mod": _STR, "span": SPAN},
    "cluster": _STR,
    "note": _STR,
}

NUMBER = {
    "id": _STR, **SPAN, "kind": _STR,
    "value": _FLOAT, "low": _FLOAT, "high": _FLOAT,
    "timex": _STR, "qualifier": _STR, "increment": _BOOL, "unit": _STR,
    "counted": SPAN, "entity": _STR, "event": _STR, "role": _STR, "note": _STR,
}

ATTRIBUTION = {
    "id": _STR,
    "source": {**SPAN, "mention": _STR},
    "implicit_source": _STR,
    "cue": List(SPAN),
    "content": List(SPAN),
    "type": _STR,
    "parent": _STR,
    "hedged": _BOOL,
    "note": _STR,
}

ANNOTATION = {
    "schema_version": _STR,
    "doc_id": _STR,
    "status": _STR,
    "annotator": _STR,
    "notes": _STR,
    "entities": List(ENTITY),
    "events": List(EVENT),
    "numbers": List(NUMBER),
    "attributions": List(ATTRIBUTION),
}

# One row per cross-document cluster of annotations/clusters.json: entity clusters carry a
# name, event clusters a description; mentions are entity mentions or event triggers.
CLUSTER = {
    "id": _STR,
    "layer": _STR,
    "type": _STR,
    "name": _STR,
    "description": _STR,
    "note": _STR,
    "mentions": List({"doc_id": _STR, "id": _STR, **SPAN}),
}


def iob2_labels(entity_types: Sequence[str]) -> list[str]:
    """The IOB2 tag set: "O", then "B-T", "I-T" for each entity type T in the given order."""
    return ["O", *(f"{prefix}-{t}" for t in entity_types for prefix in ("B", "I"))]


def tokens_features(entity_types: Sequence[str]) -> dict:
    return {
        "doc_id": _STR,
        "sentence": _INT,
        "zone": _STR,
        "start": _INT,
        "end": _INT,
        "tokens": List(_STR),
        "token_starts": List(_INT),
        "token_ends": List(_INT),
        "ner_tags": List(ClassLabel(names=iob2_labels(entity_types))),
    }


def features(config: str, entity_types: Sequence[str]) -> Features:
    """The Features of one configuration (entity types: the ontology's, in its order)."""
    layer_rows = {"entities": ENTITY, "events": EVENT, "numbers": NUMBER,
                  "attributions": ATTRIBUTION}
    if config in layer_rows:
        return Features({"doc_id": _STR, **layer_rows[config]})
    by_name = {"documents": DOCUMENT, "coreference": CLUSTER, "annotations": ANNOTATION,
               "tokens": tokens_features(entity_types)}
    if config not in by_name:
        raise ValueError(f"unknown configuration {config!r}: expected one of "
                         f"{', '.join(CONFIGS)}")
    return Features(by_name[config])


__all__ = ["CONFIGS", "DEFAULT_CONFIG", "SPLIT", "features", "iob2_labels"]
