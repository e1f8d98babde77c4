"""The rows of every configuration, computed from a corpus/ and an annotations/ folder.

The gold is read as JSON, not through the typed model, so that a row holds exactly the
fields of its source item; `conform` then puts each row in the shape of its features (every
declared field present, in declared order, None where the source leaves it out) and reports
a field that has no declared feature, or a value of the wrong type, as one line each. The
folders are expected to have passed `palmyra validate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import ClassLabel, Features, List, Value

from palmyra.corpus import CorpusError, Document, load_corpus
from palmyra.hf.features import CONFIGS, features
from palmyra.ontology import Ontology, load_ontology
from palmyra.paths import REGISTRY_FILE, is_document_file
from palmyra.tokenize import to_iob2, tokenization

CLUSTER_LAYERS = ("entities", "events")


class BuildError(Exception):
    """The gold cannot be turned into rows. `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Gold:
    """What the rows are made of. `files` maps a doc_id to its annotation file's shown name."""

    documents: dict[str, Document]
    annotations: dict[str, dict]
    files: dict[str, str]
    clusters: dict
    ontology: Ontology


def _read_json(path: Path, shown: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BuildError([f"{shown}: cannot read: {exc}"]) from None


def read_gold(root: Path) -> Gold:
    """The corpus, the gold annotations and the cluster registry below `root`, with the
    ontology of root/schema (a source checkout, or the data folder of an installed wheel)."""
    try:
        documents = load_corpus(root / "corpus")
    except CorpusError as exc:
        raise BuildError([str(exc)]) from None
    annotations: dict[str, dict] = {}
    files: dict[str, str] = {}
    for path in sorted((root / "annotations").glob("*.json")):
        if not is_document_file(path):
            continue
        shown = f"annotations/{path.name}"
        data = _read_json(path, shown)
        if not isinstance(data, dict) or not isinstance(data.get("doc_id"), str):
            raise BuildError([f"{shown}: $: expected an annotation document with a doc_id"])
        annotations[data["doc_id"]] = data
        files[data["doc_id"]] = shown
    clusters = _read_json(root / "annotations" / REGISTRY_FILE, f"annotations/{REGISTRY_FILE}")
    return Gold(documents, annotations, files, clusters,
                load_ontology(root / "schema" / "ontology.yaml"))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def _scalar(value: Any, feature: Value | ClassLabel, where: str, problems: list[str]) -> Any:
    if isinstance(feature, ClassLabel):
        if value not in feature.names:
            problems.append(f"{where}: expected one of {', '.join(feature.names)}, "
                            f"found {value!r}")
        return value
    dtype = feature.dtype
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype == "string" and isinstance(value, str):
        return value
    if dtype.startswith("int") and is_number and isinstance(value, int):
        return value
    if dtype.startswith("float") and is_number:
        return float(value)  # written as 4000.0: the file says what the column holds
    if dtype == "bool" and isinstance(value, bool):
        return value
    problems.append(f"{where}: expected {dtype}, found {_kind(value)}")
    return None


def conform(value: Any, feature: Any, where: str, problems: list[str]) -> Any:
    """`value` in the shape of `feature`: objects get every declared field, in order (None
    when absent); a field without a declared feature or a value of the wrong type is added
    to `problems` as "<where>: <what was expected>, found <what>"."""
    if value is None:
        return None
    if isinstance(feature, dict):  # Features and struct features are dicts
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, found {_kind(value)}")
            return None
        problems.extend(f"{where}.{key}: no feature is declared for this field "
                        "(palmyra.hf.features)" for key in value if key not in feature)
        return {name: conform(value.get(name), sub, f"{where}.{name}", problems)
                for name, sub in feature.items()}
    if isinstance(feature, List):
        if not isinstance(value, list):
            problems.append(f"{where}: expected an array, found {_kind(value)}")
            return None
        return [conform(v, feature.feature, f"{where}[{i}]", problems)
                for i, v in enumerate(value)]
    return _scalar(value, feature, where, problems)


def _document_rows(gold: Gold, feats: Features, problems: list[str]) -> list[dict]:
    return [conform({"doc_id": doc.doc_id, "text": doc.text, **doc.metadata}, feats,
                    f"corpus/{doc.doc_id}.json: $", problems)
            for doc in gold.documents.values()]


def _layer_rows(gold: Gold, layer: str, feats: Features, problems: list[str]) -> list[dict]:
    """One row per item of a layer, in document order, then in the gold's order."""
    return [conform({"doc_id": doc_id, **item}, feats,
                    f"{gold.files[doc_id]}: $.{layer}[{i}]", problems)
            for doc_id, doc in gold.annotations.items()
            for i, item in enumerate(doc.get(layer, []))]


def _annotation_rows(gold: Gold, feats: Features, problems: list[str]) -> list[dict]:
    return [conform(doc, feats, f"{gold.files[doc_id]}: $", problems)
            for doc_id, doc in gold.annotations.items()]


def _cluster_mentions(gold: Gold) -> dict[str, list[dict]]:
    """cluster id -> its entity mentions or event triggers, in document and gold order."""
    out: dict[str, list[dict]] = {}
    for doc_id, doc in gold.annotations.items():
        for layer in CLUSTER_LAYERS:
            for item in doc.get(layer, []):
                if item.get("cluster") is None:
                    continue
                span = item["trigger"] if layer == "events" else item
                out.setdefault(item["cluster"], []).append(
                    {"doc_id": doc_id, "id": item.get("id"), "start": span["start"],
                     "end": span["end"], "text": span["text"]})
    return out


def _coreference_rows(gold: Gold, feats: Features, problems: list[str]) -> list[dict]:
    """One row per cluster of the registry (entity clusters first), with its mentions."""
    mentions = _cluster_mentions(gold)
    rows = []
    for layer in CLUSTER_LAYERS:
        for i, cluster in enumerate(gold.clusters.get(layer, [])):
            row = {**cluster, "layer": layer, "mentions": mentions.pop(cluster["id"], [])}
            rows.append(conform(row, feats, f"annotations/{REGISTRY_FILE}: $.{layer}[{i}]",
                                problems))
    problems.extend(f"annotations/{REGISTRY_FILE}: cluster {cid!r} (used by {m[0]['doc_id']}) "
                    "is not in the registry" for cid, m in mentions.items())
    return rows


def _token_rows(gold: Gold, feats: Features, problems: list[str]) -> list[dict]:
    """One row per sentence of the annotated zones of each annotated document, tokenized
    and tagged exactly as the BIO view of the harness (palmyra.scoring.bio) does it."""
    rows = []
    for doc_id, ann in gold.annotations.items():
        doc = gold.documents.get(doc_id)
        if doc is None:
            problems.append(f"{gold.files[doc_id]}: $.doc_id: no document {doc_id!r} in corpus/")
            continue
        zone_types = gold.ontology.annotated_zones if doc.zones else None
        tok = tokenization(doc, zone_types)
        mentions = [(e["start"], e["end"], e["type"]) for e in ann.get("entities", [])]
        tags = to_iob2(tok, mentions).tags
        for k, (sentence, sentence_tags) in enumerate(zip(tok.sentences(), tags, strict=True)):
            row = {"doc_id": doc_id, "sentence": k, "zone": sentence.zone,
                   "start": sentence.start, "end": sentence.end,
                   "tokens": [t.text for t in sentence.tokens],
                   "token_starts": [t.start for t in sentence.tokens],
                   "token_ends": [t.end for t in sentence.tokens],
                   "ner_tags": sentence_tags}
            rows.append(conform(row, feats, f"{doc_id}: sentence {k}", problems))
    return rows


def config_rows(config: str, gold: Gold) -> tuple[Features, list[dict]]:
    """The features and rows of one configuration. Raises BuildError on bad data."""
    feats = features(config, gold.ontology.entity_types)
    problems: list[str] = []
    if config == "documents":
        rows = _document_rows(gold, feats, problems)
    elif config == "coreference":
        rows = _coreference_rows(gold, feats, problems)
    elif config == "tokens":
        rows = _token_rows(gold, feats, problems)
    elif config == "annotations":
        rows = _annotation_rows(gold, feats, problems)
    else:
        rows = _layer_rows(gold, config, feats, problems)
    if problems:
        raise BuildError(problems)
    return feats, rows


__all__ = ["CONFIGS", "BuildError", "Gold", "config_rows", "conform", "read_gold"]
