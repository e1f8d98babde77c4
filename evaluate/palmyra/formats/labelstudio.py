"""Label Studio JSON: one task per document, `{data: {text, doc_id, palmyra}, annotations:
[{result: [...]}]}`, as Label Studio imports and exports it.

Every text-bound part is a region, a `labels` result with code-point offsets (value.start,
value.end, value.text, value.labels); attributes are per-region `choices` results (same id
as the region); note fields are in the region's `meta` (`meta.text`, Label Studio's own
region note, holds `note`); links are `relation` results (from_id, to_id, labels). The
region id of an item is its palmyra id. data.palmyra holds the document's own fields
(schema_version, status, annotator, notes, layers). `labeling_config()` gives the project
configuration these results belong to. docs/formats.md has the full mapping.

Reading checks each region's text against the corpus slice: Label Studio has, more than
once, written offsets in UTF-16 code units (characters outside the Basic Multilingual
Plane, such as emoji, count twice there), which shifts every later span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document, normalization_hint
from palmyra.formats import (
    ATTRIBUTES,
    ENTITY,
    EVENT,
    ID,
    ITEM_KINDS,
    KIND_LABELS,
    LINKS,
    NOTE_FIELDS,
    Edge,
    FormatError,
    Graph,
    Imported,
    Node,
    assemble,
    attribute_values,
    check_attribute,
    check_field,
    check_meta,
    document_meta,
    graph_of,
    read_json,
    split_spans,
)

TEXT = "text"  # the name of the Text object tag (to_name of every result)
CHOICES = {"level": "level", "role": "role", "realis": "realis", "kind": "kind",
           "qualifier": "qualifier", "unit": "unit", "increment": "increment",
           "type": "attribution_type", "hedged": "hedged", "implicit_source": "implicit_source"}
NOTE_KEY = "text"  # meta.text: Label Studio's region note, our `note`
_ITEM_PATH = re.compile(r"\$\.[a-z]+\[\d+\]")


@cache
def controls() -> dict[str, str]:
    """Label -> the Labels control (from_name) that offers it."""
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    out = {t: "entity" for t in ontology.entity_types}
    out.update({t: "event" for t in ontology.event_types})
    out["Number"] = "number"
    out.update({KIND_LABELS[k]: "attribution" for k in ("cue", "source", "content")})
    out.update({KIND_LABELS[k]: "span" for k in ("argument", "time", "counted")})
    return out


def _kind(label: str) -> str:
    kinds = {v: k for k, v in KIND_LABELS.items()}
    if label in kinds:
        return kinds[label]
    return ENTITY if controls()[label] == "entity" else EVENT


# --------------------------------------------------------------------------- writing


def write_task(doc: AnnotationDocument, text: str) -> dict[str, Any]:
    """The Label Studio task of a (valid) document over its corpus text."""
    graph = split_spans(graph_of(doc), lambda spans: False)  # a region is one span
    ids = _region_ids(graph)
    result: list[dict[str, Any]] = []
    for node in graph.nodes:
        result += _region(node, ids[node.key], text)
    for edge in graph.edges:
        result.append({"from_id": ids[edge.source], "to_id": ids[edge.target],
                       "type": "relation", "direction": "right", "labels": [edge.label]})
    return {"data": {"text": text, "doc_id": doc.doc_id, "palmyra": document_meta(doc)},
            "annotations": [{"result": result}]}


def _region_ids(graph: Graph) -> dict[str, str]:
    """Items are named by their id (`_<layer>-<n>` without one, which is no valid id, so
    reading gives no id back); the spans of an item by `<item>/<part>`."""
    ids: dict[str, str] = {}
    for node in graph.nodes:
        item = _ITEM_PATH.match(node.key)
        assert item is not None  # every key of graph_of starts with its item's path
        if item.end() == len(node.key):
            layer, index = re.fullmatch(r"\$\.([a-z]+)\[(\d+)\]", node.key).groups()
            ids[node.key] = node.item_id or f"_{layer}-{index}"
        else:
            part = re.sub(r"[^A-Za-z0-9]+", "-", node.key[item.end():]).strip("-")
            ids[node.key] = f"{ids[item.group()]}/{part}"
    return ids


def _region(node: Node, rid: str, text: str) -> list[dict[str, Any]]:
    start, end = node.spans[0]
    where = {"start": start, "end": end, "text": text[start:end]}
    labels: dict[str, Any] = {"id": rid, "from_name": controls()[node.label], "to_name": TEXT,
                              "type": "labels", "value": {**where, "labels": [node.label]}}
    meta = {(NOTE_KEY if k == "note" else k): ([v] if k == "note" else v)
            for k, v in node.fields.items()}
    if meta:
        labels["meta"] = meta
    out = [labels]
    for name in ATTRIBUTES.get(node.kind, ()):
        if name in node.attrs:
            out.append({"id": rid, "from_name": CHOICES[name], "to_name": TEXT,
                        "type": "choices", "value": {**where, "choices": [node.attrs[name]]}})
    return out


def export_tasks(docs: Sequence[AnnotationDocument], corpus: Mapping[str, Document]
                 ) -> list[dict[str, Any]]:
    return [write_task(doc, corpus[doc.doc_id].text) for doc in docs]


def labeling_config() -> str:
    """The Label Studio labeling configuration (XML) that the exported results use."""
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    groups: dict[str, list[str]] = {}
    for label, control in controls().items():
        groups.setdefault(control, []).append(label)
    lines = ["<View>", '  <Header value="$doc_id"/>']
    for control, labels in groups.items():
        lines.append(f'  <Labels name="{control}" toName="{TEXT}">')
        lines += [f"    <Label value={quoteattr(label)}/>" for label in labels]
        lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT}" value="$text"/>')
    roles = sorted({r for t in ontology.event_types for r in ontology.roles(t)})
    links = sorted({label for _, label in LINKS})
    lines.append("  <Relations>")
    lines += [f"    <Relation value={quoteattr(v)}/>" for v in [*roles, *links]]
    lines.append("  </Relations>")
    values = attribute_values()
    for kind, names in ATTRIBUTES.items():
        shown_on = ",".join(label for label in controls() if _kind(label) == kind)
        for name in names:
            lines.append(f'  <Choices name="{CHOICES[name]}" toName="{TEXT}" perRegion="true" '
                         f'visibleWhen="region-selected" whenLabelValue={quoteattr(shown_on)}>')
            lines += [f"    <Choice value={quoteattr(v)}/>" for v in values[name]]
            lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading


def read_tasks(path: Path, corpus: Mapping[str, Document], *, status: str | None = None,
               assign_ids: bool = False) -> tuple[list[Imported], list[str]]:
    """The documents of a Label Studio JSON export (a list of tasks, or one task), and
    notes on tasks skipped for want of an annotation (raises FormatError)."""
    data = read_json(path)
    tasks = [data] if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        raise FormatError([f"{path}: expected a list of tasks, found {type(data).__name__}"])
    if not tasks:
        raise FormatError([f"{path}: no tasks (an empty list)"])
    out: list[Imported] = []
    skipped: list[str] = []
    problems: list[str] = []
    for i, task in enumerate(tasks):
        try:
            item = read_task(task, corpus, file=str(path), index=i, status=status,
                             assign_ids=assign_ids)
        except FormatError as exc:
            problems += exc.problems
            continue
        if item is None:
            skipped.append(f"{path}: task {i}: no annotation; skipped")
        else:
            out.append(item)
    if problems:
        raise FormatError(problems)
    return out, skipped


def read_task(task: Any, corpus: Mapping[str, Document], *, file: str, index: int = 0,
              status: str | None = None, assign_ids: bool = False) -> Imported | None:
    """The document of one task (None when it has no annotation; raises FormatError)."""
    where = f"{file}: task {index}"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise FormatError([f"{where}: expected an object with 'data' (text, doc_id)"])
    data = task["data"]
    doc_id = _doc_id(data, corpus, where)
    where = f"{where} ({doc_id})"
    text = corpus[doc_id].text
    meta = data.get("palmyra")
    problems = check_meta(meta, f"{where}: data.palmyra") if meta is not None else []
    listed = task.get("annotations") or []
    if not isinstance(listed, list):
        raise FormatError([f"{where}: annotations: expected a list, found "
                           f"{_quote(listed)[:60]}"])
    annotations = [a for a in listed if isinstance(a, dict) and not a.get("was_cancelled")]
    if len(annotations) > 1:
        problems.append(f"{where}: {len(annotations)} annotations; expected one (export one "
                        "annotator's work)")
    if problems:
        raise FormatError(problems)
    if not annotations:
        return None
    result = annotations[0].get("result")
    if not isinstance(result, list):
        raise FormatError([f"{where}: annotations[0].result: expected a list"])
    graph = _Results(text, where).read(result)
    return assemble(graph, doc_id=doc_id, text=text, file=file, meta=meta, status=status,
                    assign_ids=assign_ids)


def _doc_id(data: dict, corpus: Mapping[str, Document], where: str) -> str:
    """The task's document: data.doc_id, else the corpus document with the same text."""
    doc_id, text = data.get("doc_id"), data.get("text")
    if doc_id is None:
        found = [d.doc_id for d in corpus.values() if d.text == text]
        if len(found) != 1:
            raise FormatError([f"{where}: no data.doc_id, and data.text is not the text of "
                               "a corpus document"])
        return found[0]
    if not isinstance(doc_id, str) or doc_id not in corpus:
        raise FormatError([f"{where}: data.doc_id {doc_id!r} is not a corpus document"])
    full = corpus[doc_id].text
    if text is not None and text != full:
        if not isinstance(text, str):
            raise FormatError([f"{where}: data.text: expected a string"])
        at = next((i for i, (a, b) in enumerate(zip(text, full, strict=False)) if a != b),
                  min(len(text), len(full)))
        raise FormatError([f"{where}: data.text differs from the corpus text of {doc_id} at "
                           f"offset {at} (expected {full[at:at + 20]!r}, found "
                           f"{text[at:at + 20]!r})"])
    return doc_id


class _Results:
    """Turns the result list of one annotation into a Graph."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.problems: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.failed: set[str] = set()  # regions that could not be read (reported once)

    def add(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def read(self, result: list) -> Graph:
        items = [(k, r) for k, r in enumerate(result) if isinstance(r, dict)]
        self.problems += [f"{self.where}: result[{k}]: expected an object"
                          for k, r in enumerate(result) if not isinstance(r, dict)]
        for k, r in items:
            if r.get("type") == "labels":
                before = len(self.problems)
                self.region(k, r)
                if len(self.problems) > before and isinstance(r.get("id"), str):
                    self.failed.add(r["id"])
        graph = Graph(list(self.nodes.values()))
        for k, r in items:
            kind = r.get("type")
            if kind == "choices":
                self.choice(k, r)
            elif kind == "relation":
                self.relation(k, r, graph)
            elif kind != "labels":
                self.add(f"result[{k}]: unsupported result type {kind!r} (expected labels, "
                         "choices, relation)")
        for edge in graph.edges:  # a further cue span is part of an item, not one itself
            if edge.label == "cue" and edge.target in self.nodes:
                self.nodes[edge.target].item_id = None
        if self.problems:
            raise FormatError(self.problems)
        return graph

    def name(self, k: int, r: dict) -> str:
        rid = r.get("id")
        return f"result {rid!r}" if isinstance(rid, str) else f"result[{k}]"

    def region(self, k: int, r: dict) -> None:
        rid, value, here = r.get("id"), r.get("value"), self.name(k, r)
        if not isinstance(rid, str) or not isinstance(value, dict):
            self.add(f"{here}: expected an 'id' and a 'value' object")
            return
        if rid in self.nodes:
            self.add(f"{here}: a second labels result with this id")
            return
        span = self.offsets(here, value)
        labels = value.get("labels")
        if not (isinstance(labels, list) and len(labels) == 1 and isinstance(labels[0], str)
                and labels[0] in controls()):
            self.add(f"{here}: labels: expected one of {', '.join(controls())}, found "
                     f"{json.dumps(labels, ensure_ascii=False)}")
            return
        label = labels[0]
        if r.get("from_name") != controls()[label]:
            self.add(f"{here}: label {label} belongs to the control {controls()[label]!r}, "
                     f"found from_name {r.get('from_name')!r}")
            return
        if span is None:
            return
        kind = _kind(label)
        node = Node(rid, kind, label, [span], where=f"{self.where}: {here}")
        node.item_id = rid if kind in ITEM_KINDS and ID.fullmatch(rid) else None
        self.meta(here, node, r.get("meta"))
        self.nodes[rid] = node

    def offsets(self, here: str, value: dict) -> tuple[int, int] | None:
        start, end, found = value.get("start"), value.get("end"), value.get("text")
        if type(start) is not int or type(end) is not int:
            self.add(f"{here}: value.start and value.end: expected integer offsets, found "
                     f"{start!r} and {end!r}")
            return None
        if not 0 <= start < end <= len(self.text):
            self.add(f"{here}: offsets {start}-{end}: expected 0 <= start < end <= "
                     f"{len(self.text)} (the length of the text)")
            return None
        expected = self.text[start:end]
        if found is not None and found != expected:
            self.add(f"{here}: value.text {_quote(found)} does not match the offsets: "
                     f"text[{start}:{end}] is {_quote(expected)}{self.hint(start, end, found)}"
                     f"{normalization_hint(found, expected) if isinstance(found, str) else ''}")
            return None
        return start, end

    def hint(self, start: int, end: int, found: Any) -> str:
        """Say so when the offsets are UTF-16 code units (Label Studio's emoji bug)."""
        a, b = _from_utf16(self.text, start), _from_utf16(self.text, end)
        if a is not None and b is not None and self.text[a:b] == found and (a, b) != (start, end):
            return (f" (the offsets look like UTF-16 code units: {found!r} is at code points "
                    f"{a}-{b})")
        return ""

    def meta(self, here: str, node: Node, meta: Any) -> None:
        if meta is None or meta == {}:
            return
        if not isinstance(meta, dict) or node.kind not in NOTE_FIELDS:
            self.add(f"{here}: meta is read on entity mentions, events, numbers and cues only "
                     "(an object)")
            return
        for key, value in meta.items():
            if key == NOTE_KEY:
                note = _note(value)
                if note is None:
                    self.add(f"{here}: meta.text: expected a string or a list of strings")
                elif value != []:
                    node.fields["note"] = note
                continue
            why = "note: written as meta.text" if key == "note" else \
                check_field(node.kind, key, value)
            if why is not None:
                self.add(f"{here}: meta: {why}")
            else:
                node.fields[key] = value

    def choice(self, k: int, r: dict) -> None:
        rid, here = r.get("id"), self.name(k, r)
        node = self.nodes.get(rid) if isinstance(rid, str) else None
        if node is None:
            if not (isinstance(rid, str) and rid in self.failed):
                self.add(f"{here}: choices for no region (no labels result with this id)")
            return
        names = {v: k for k, v in CHOICES.items()}
        control = r.get("from_name")
        field = names.get(control) if isinstance(control, str) else None
        choices = (r.get("value") or {}).get("choices") if isinstance(r.get("value"), dict) \
            else None
        if field is None:
            self.add(f"{here}: unknown choices control {control!r} (expected "
                     f"{', '.join(CHOICES.values())})")
        elif not (isinstance(choices, list) and len(choices) == 1
                  and isinstance(choices[0], str)):
            self.add(f"{here}: {control}: expected one choice, found "
                     f"{json.dumps(choices, ensure_ascii=False)}")
        elif (why := check_attribute(node.kind, field, choices[0], CHOICES)) is not None:
            self.add(f"{here}: {why}")
        elif field in node.attrs:
            self.add(f"{here}: {control} is given twice")
        else:
            node.attrs[field] = choices[0]

    def relation(self, k: int, r: dict, graph: Graph) -> None:
        source, target, labels = r.get("from_id"), r.get("to_id"), r.get("labels")
        here = f"relation {source!r} -> {target!r}"
        if not (isinstance(source, str) and isinstance(target, str)):
            self.add(f"result[{k}]: expected a relation with from_id and to_id")
            return
        if not (isinstance(labels, list) and len(labels) == 1 and isinstance(labels[0], str)):
            self.add(f"{here}: labels: expected one label, found "
                     f"{json.dumps(labels, ensure_ascii=False)}")
            return
        direction = r.get("direction", "right")
        if direction == "left":
            source, target = target, source
        elif direction != "right":
            self.add(f"{here}: direction {direction!r}: expected right or left")
            return
        graph.edges.append(Edge(source, labels[0], target, f"{self.where}: {here}"))


def _note(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def _quote(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _from_utf16(text: str, offset: int) -> int | None:
    """The code-point index of a UTF-16 code-unit offset (None past the end or inside a
    surrogate pair)."""
    units = 0
    for i, char in enumerate(text):
        if units == offset:
            return i
        if units > offset:
            return None
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units == offset else None


__all__ = ["CHOICES", "controls", "export_tasks", "labeling_config", "read_task",
           "read_tasks", "write_task"]
