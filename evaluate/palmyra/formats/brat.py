"""brat standoff (https://brat.nlplab.org/standoff.html): `<doc_id>.txt` + `<doc_id>.ann`.

Offsets are 0-based, end-exclusive code points, as in palmyra. One document becomes:

  T  text-bound annotations: entity mentions (type PER ...), event triggers (the event type
     with '_' for '.', since brat type names are [A-Za-z0-9_-]: Conflict_TakeControl),
     numbers (Number), attribution cues (Cue, discontinuous: fragments joined by ';'),
     sources (Source), contents (Content), counted spans (Counted), argument spans given
     without a mention (Argument), event time spans (Time)
  E  events: `TYPE:TRIGGER Role:T.. Role2:T.. Time:T..` (a repeated role is numbered, as
     brat does; the time span is the Time argument)
  R  relations: Counts, Quantifies, InEvent (number -> counted span, entity, event),
     HasSource, HasContent, HasCue, NestedIn (cue -> source, content, further cue span,
     parent attribution's cue), SourceMention (source -> entity)
  *  Equiv: the mentions of one entity cluster
  A  attributes: Level, Role, Realis, Kind, Qualifier, Unit, Increment, AttributionType,
     Hedged, ImplicitSource
  #  AnnotatorNotes: the other fields as `key=value` pairs (id, cluster, note, time,
     time_mod, arg_spans, value, low, high, timex, role); a value with spaces or quotes is a
     JSON string: `id=m1 cluster=E:islamic-state note="topic tag (kicker)"`

A collection folder also holds annotation.conf and visual.conf (so that brat shows the
types) and palmyra.json (the fields of each document that no line carries: schema_version,
status, annotator, notes, the layers annotated). docs/formats.md has the full mapping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document, normalization_hint
from palmyra.formats import (
    ATTRIBUTES,
    BOOLEANS,
    CUE,
    ENTITY,
    EVENT,
    KIND_LABELS,
    KIND_NAMES,
    NOTE_FIELDS,
    NUMBER,
    NUMERIC_FIELDS,
    TIME,
    Edge,
    FormatError,
    Graph,
    Imported,
    Node,
    article,
    assemble,
    attribute_values,
    check_attribute,
    check_field,
    check_meta,
    decode_text,
    document_meta,
    graph_of,
    read_json,
    split_spans,
)

META_FILE = "palmyra.json"
ATTRIBUTE_NAMES = {"level": "Level", "role": "Role", "realis": "Realis", "kind": "Kind",
                   "qualifier": "Qualifier", "unit": "Unit", "increment": "Increment",
                   "type": "AttributionType", "hedged": "Hedged",
                   "implicit_source": "ImplicitSource"}
RELATION_NAMES = {"counts": "Counts", "quantifies": "Quantifies", "in_event": "InEvent",
                  "source": "HasSource", "content": "HasContent", "cue": "HasCue",
                  "parent": "NestedIn", "mention": "SourceMention"}
TIME_ROLE = "Time"
NOTE_TYPE = "AnnotatorNotes"


def brat_type(event_type: str) -> str:
    """brat's form of an event type: type names match [A-Za-z0-9_-]."""
    return event_type.replace(".", "_")


@cache
def _types() -> dict[str, tuple[str, str]]:
    """brat type -> (node kind, label). Dotted event types are read as well."""
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    types = {t: (ENTITY, t) for t in ontology.entity_types}
    for t in ontology.event_types:
        types[brat_type(t)] = types[t] = (EVENT, t)
    types.update({label: (kind, label) for kind, label in KIND_LABELS.items()})
    return types


def _type_list() -> str:
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    return (f"{', '.join(ontology.entity_types)}, an event type such as "
            f"{brat_type(ontology.event_types[0])}, or {', '.join(KIND_LABELS.values())}")


# --------------------------------------------------------------------------- notes


_BARE = re.compile(r'[^\s"]+')
_KEY = re.compile(r"([a-z_]+)=")
_DECODER = json.JSONDecoder()


def encode_notes(fields: Mapping[str, Any]) -> str:
    """`key=value ...`: numbers as JSON numbers or null, arg_spans as `0,2`, strings bare
    when they hold no space or quote, else as JSON strings."""
    parts = []
    for key, value in fields.items():
        if key in NUMERIC_FIELDS:
            text = json.dumps(value)
        elif key == "arg_spans":
            text = ",".join(map(str, value))
        else:
            text = value if _BARE.fullmatch(value) else _quoted(value)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def _quoted(value: str) -> str:
    """A JSON string that holds no character any reader could take for a line break (JSON
    escapes the C0 controls; U+0085, U+2028 and U+2029 are escaped here)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028") \
        .replace("\u2029", "\\u2029")


def decode_notes(text: str) -> tuple[dict[str, Any], str | None]:
    """The fields of an AnnotatorNotes text, or why it cannot be read. Values are typed by
    key (numbers for value/low/high, positions for arg_spans, strings otherwise)."""
    out: dict[str, Any] = {}
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _KEY.match(text, pos)
        if m is None:
            return out, (f"expected key=value fields (e.g. note=\"free text\"), found "
                         f"{text[pos:pos + 30]!r}")
        key, pos = m.group(1), m.end()
        if text.startswith('"', pos):
            try:
                value, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError:
                return out, f"{key}: unterminated or invalid quoted value"
            quoted = True
        else:
            bare = _BARE.match(text, pos)
            value, pos = (bare.group(), bare.end()) if bare else ("", pos)
            quoted = False
        if pos < len(text) and not text[pos].isspace():
            return out, f"{key}: expected a space after the value, found {text[pos]!r}"
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if key in out:
            return out, f"{key} is given twice"
        typed, why = _typed(key, value, quoted)
        if why:
            return out, why
        out[key] = typed
    return out, None


def _typed(key: str, value: str, quoted: bool) -> tuple[Any, str | None]:
    if key in NUMERIC_FIELDS:
        try:
            number = None if quoted else json.loads(value)
        except (ValueError, RecursionError):  # not JSON, too many digits, nested too deeply
            number = "?"
        if quoted or not (number is None or isinstance(number, (int, float))) \
                or isinstance(number, bool):
            return None, f"{key}: expected a number or null, found {value!r}"
        return number, None
    if key == "arg_spans":
        if quoted or not re.fullmatch(r"[0-9]{1,9}(,[0-9]{1,9})*", value):  # ASCII, sane size
            return None, f"arg_spans: expected positions such as 0,2, found {value!r}"
        return [int(v) for v in value.split(",")], None
    return value, None


# --------------------------------------------------------------------------- writing


def _fragments_ok(spans: list[tuple[int, int]]) -> bool:
    """brat rejects fragments of one annotation that overlap or touch."""
    ordered = sorted(spans)
    return all(a[1] < b[0] for a, b in pairwise(ordered))


def write_ann(doc: AnnotationDocument, text: str) -> str:
    """The .ann text of a (valid) document over its corpus text (raises FormatError for a
    span that holds a line break: an .ann line cannot)."""
    graph = split_spans(graph_of(doc), _fragments_ok)
    problems = [f"{doc.doc_id}: {node.key}: text[{s}:{e}] holds a line break, which a brat "
                ".ann line cannot"
                for node in graph.nodes for s, e in node.spans if _breaks(text[s:e])]
    if problems:
        raise FormatError(problems)
    writer = _Writer(graph, text)
    return writer.render()


def _breaks(text: str) -> bool:
    return any(c in text for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class _Writer:
    def __init__(self, graph: Graph, text: str) -> None:
        self.graph, self.text = graph, text
        self.tids: dict[str, str] = {}
        self.eids: dict[str, str] = {}
        for node in graph.nodes:
            self.tids[node.key] = f"T{len(self.tids) + 1}"
            if node.kind == EVENT:
                self.eids[node.key] = f"E{len(self.eids) + 1}"

    def ref(self, key: str) -> str:
        return self.eids.get(key) or self.tids[key]

    def render(self) -> str:
        lines = [self.textbound(n) for n in self.graph.nodes]
        lines += [self.event(n) for n in self.graph.nodes if n.kind == EVENT]
        relations = [e for e in self.graph.edges if e.source not in self.eids]
        lines += [f"R{k}\t{RELATION_NAMES[e.label]} Arg1:{self.ref(e.source)} "
                  f"Arg2:{self.ref(e.target)}" for k, e in enumerate(relations, start=1)]
        lines += [f"*\tEquiv {' '.join(self.tids[k] for k in group)}"
                  for group in self.clusters()]
        attributes = [(n, name) for n in self.graph.nodes for name in ATTRIBUTES.get(n.kind, ())
                      if name in n.attrs]
        lines += [f"A{k}\t{ATTRIBUTE_NAMES[name]} {self.ref(n.key)} {n.attrs[name]}"
                  for k, (n, name) in enumerate(attributes, start=1)]
        notes = [(n, fields) for n in self.graph.nodes if (fields := self.notes(n))]
        lines += [f"#{k}\t{NOTE_TYPE} {self.ref(n.key)}\t{encode_notes(fields)}"
                  for k, (n, fields) in enumerate(notes, start=1)]
        return "".join(f"{line}\n" for line in lines)

    def textbound(self, node: Node) -> str:
        label = brat_type(node.label) if node.kind == EVENT else node.label
        offsets = ";".join(f"{s} {e}" for s, e in node.spans)
        covered = " ".join(self.text[s:e] for s, e in node.spans)
        return f"{self.tids[node.key]}\t{label} {offsets}\t{covered}"

    def event(self, node: Node) -> str:
        parts = [f"{brat_type(node.label)}:{self.tids[node.key]}"]
        seen: dict[str, int] = {}
        for edge in self.graph.edges:
            if edge.source != node.key:
                continue
            if edge.label == "time":
                parts.append(f"{TIME_ROLE}:{self.tids[edge.target]}")
                continue
            seen[edge.label] = seen.get(edge.label, 0) + 1
            suffix = str(seen[edge.label]) if seen[edge.label] > 1 else ""
            parts.append(f"{edge.label}{suffix}:{self.tids[edge.target]}")
        return f"{self.eids[node.key]}\t{' '.join(parts)}"

    def clusters(self) -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for node in self.graph.nodes:
            if node.kind == ENTITY and "cluster" in node.fields:
                groups.setdefault(node.fields["cluster"], []).append(node.key)
        return [keys for keys in groups.values() if len(keys) > 1]

    def notes(self, node: Node) -> dict[str, Any]:
        if node.kind not in NOTE_FIELDS:
            return {}
        head = {"id": node.item_id} if node.item_id is not None else {}
        return {**head, **{k: node.fields[k] for k in NOTE_FIELDS[node.kind]
                           if k in node.fields}}


def annotation_conf() -> str:
    """brat's annotation.conf for the palmyra labels (entities, events, relations,
    attributes), so that brat shows and offers exactly them."""
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    entities = "|".join(ontology.entity_types)
    values = attribute_values()
    events = []
    for t in ontology.event_types:
        roles = [f"{r}*:{entities}|Argument" for r in ontology.roles(t)]
        events.append(f"{brat_type(t)}\t{', '.join([*roles, f'{TIME_ROLE}?:Time'])}")
    event_types = "|".join(brat_type(t) for t in ontology.event_types)
    relations = {"counts": ("Number", "Counted"), "quantifies": ("Number", entities),
                 "in_event": ("Number", event_types), "source": ("Cue", "Source"),
                 "content": ("Cue", "Content"), "cue": ("Cue", "Cue"), "parent": ("Cue", "Cue"),
                 "mention": ("Source", entities)}
    targets = {ENTITY: entities, EVENT: "<EVENT>", NUMBER: "Number", CUE: "Cue"}
    attributes = [f"{ATTRIBUTE_NAMES[name]}\tArg:{targets[kind]}, Value:{'|'.join(values[name])}"
                  for kind, names in ATTRIBUTES.items() for name in names]
    return "\n".join([
        "# brat configuration of the palmyra-corpus labels (palmyra convert export brat).",
        "[entities]", *ontology.entity_types, *KIND_LABELS.values(), "",
        "[relations]",
        *(f"{RELATION_NAMES[k]}\tArg1:{a}, Arg2:{b}" for k, (a, b) in relations.items()),
        f"Equiv\tArg1:{entities}, Arg2:{entities}, <REL-TYPE>:symmetric-transitive",
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "",
        "[events]", *events, "",
        "[attributes]", *attributes, ""])


def visual_conf() -> str:
    """brat's visual.conf: event types shown with their dotted palmyra names."""
    from palmyra.ontology import load_ontology

    labels = [f"{brat_type(t)} | {t}" for t in load_ontology().event_types]
    return "\n".join(["[labels]", *labels, "", "[drawing]",
                      "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
                      "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5", ""])


def export_collection(docs: Sequence[AnnotationDocument], corpus: Mapping[str, Document]
                      ) -> dict[str, str]:
    """The files of a brat collection (file name -> text) for documents of the corpus."""
    files: dict[str, str] = {}
    problems: list[str] = []
    for doc in docs:
        text = corpus[doc.doc_id].text
        try:
            files[f"{doc.doc_id}.ann"] = write_ann(doc, text)
        except FormatError as exc:
            problems += exc.problems
        files[f"{doc.doc_id}.txt"] = text
    if problems:
        raise FormatError(problems)
    meta = {"format": "palmyra-brat", "documents": {d.doc_id: document_meta(d) for d in docs}}
    files["annotation.conf"] = annotation_conf()
    files["visual.conf"] = visual_conf()
    files[META_FILE] = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    return files


# --------------------------------------------------------------------------- reading


@dataclass
class _TextBound:
    tid: str
    kind: str
    label: str
    spans: list[tuple[int, int]]
    where: str
    events: list[str] = field(default_factory=list)  # the E lines it is the trigger of


class _Reader:
    """Parses one .ann file into a Graph; problems are `file:line: ID: message`."""

    def __init__(self, ann: str, text: str, file: str) -> None:
        self.ann, self.text, self.file = ann, text, file
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.failed: set[str] = set()  # ids of lines that could not be read
        self.textbounds: dict[str, _TextBound] = {}
        self.nodes: dict[str, Node] = {}
        self.events: list[tuple[str, str, str, list[str]]] = []  # eid, where, type:trigger, args
        self.later: list[tuple[str, str, list[str]]] = []  # R, A, #, * lines: kind, where, fields

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def read(self) -> Graph:
        for number, line in enumerate(self.ann.split("\n"), start=1):
            line = line.rstrip("\r")
            if line.strip():
                self.line(f"{self.file}:{number}", line)
        graph = Graph()
        self.build_events(graph)
        graph.nodes = list(self.nodes.values())
        for kind, where, parts in self.later:
            getattr(self, kind)(graph, where, parts)
        return graph

    def line(self, at: str, line: str) -> None:
        parts = line.split("\t")
        aid = parts[0]
        where = f"{at}: {aid}" if aid else at
        if aid != "*" and aid in self.ids:
            self.add(where, "duplicate id")
            return
        self.ids.add(aid)
        before = len(self.problems)
        self.dispatch(where, aid, parts)
        if len(self.problems) > before:
            self.failed.add(aid)

    def dispatch(self, where: str, aid: str, parts: list[str]) -> None:
        first = aid[:1]
        if first == "T":
            self.textbound(where, aid, parts)
        elif first == "E":
            self.event_line(where, aid, parts)
        elif first in ("R", "A", "#", "*"):
            kind = {"R": "relation", "A": "attribute", "#": "note", "*": "equiv"}[first]
            self.later.append((kind, where, parts))
        else:
            self.add(where, "unsupported annotation line (expected T, E, R, A, #, * lines; "
                            "normalizations N and modifiers M are not part of the mapping)")

    # ---- T and E lines

    def textbound(self, where: str, tid: str, parts: list[str]) -> None:
        m = re.fullmatch(r"(\S+) ([0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*)",  # ASCII digits only
                         parts[1] if len(parts) > 1 else "")
        if m is None:
            found = "\t".join(parts[1:])
            self.add(where, "expected 'T<n><TAB>TYPE START END[;START END...]<TAB>TEXT', "
                            f"found {found!r}")
            return
        btype, offsets = m.groups()
        if btype not in _types():
            self.add(where, f"unknown type {btype!r} (expected {_type_list()})")
            return
        try:
            spans = [tuple(map(int, pair.split())) for pair in offsets.split(";")]
        except ValueError:  # more digits than Python reads (4300): beyond any text
            self.add(where, f"offsets {offsets[:40]}...: end is beyond the text "
                            f"({len(self.text)} characters)")
            return
        for start, end in spans:
            if start >= end:
                self.add(where, f"offsets {start} {end}: expected start < end")
                return
            if end > len(self.text):
                self.add(where, f"offsets {start} {end}: end is beyond the text "
                                f"({len(self.text)} characters)")
                return
        covered = " ".join(self.text[s:e] for s, e in spans)
        given = "\t".join(parts[2:])
        if len(parts) > 2 and given != covered:
            self.add(where, f"text {given!r} does not match offsets {offsets} "
                            f"(expected {covered!r}){normalization_hint(given, covered)}")
            return
        kind, label = _types()[btype]
        self.textbounds[tid] = _TextBound(tid, kind, label, spans, where)
        if kind != EVENT:
            self.nodes[tid] = Node(tid, kind, label, list(spans), where=where)

    def event_line(self, where: str, eid: str, parts: list[str]) -> None:
        fields = parts[1].split() if len(parts) > 1 else []
        if not fields or any(not re.fullmatch(r"[^:\s]+:\S+", f) for f in fields):
            self.add(where, "expected 'E<n><TAB>TYPE:TRIGGER ROLE:ID ...', found "
                            f"{' '.join(parts[1:])!r}")
            return
        self.events.append((eid, where, fields[0], fields[1:]))

    def build_events(self, graph: Graph) -> None:
        for eid, where, head, args in self.events:
            btype, trigger = head.split(":", 1)
            tb = self.textbounds.get(trigger)
            if tb is None:
                self.add(where, f"trigger {trigger} is not a T annotation of this file")
                continue
            if tb.kind != EVENT or _types().get(btype) != (EVENT, tb.label):
                self.add(where, f"event type {btype} does not match its trigger {trigger} "
                                f"({brat_type(tb.label) if tb.kind == EVENT else tb.label})")
                continue
            tb.events.append(eid)
            self.nodes[eid] = Node(eid, EVENT, tb.label, list(tb.spans), where=where)
            for arg in args:
                role, ref = arg.split(":", 1)
                target = self.resolve(ref)
                is_time = target in self.textbounds and self.textbounds[target].kind == TIME
                label = "time" if is_time else re.sub(r"\d+$", "", role)
                graph.edges.append(Edge(eid, label, target, where, role))
        for tb in self.textbounds.values():
            if tb.kind == EVENT and not tb.events:
                self.add(tb.where, f"{brat_type(tb.label)} trigger is used by no event "
                                   "(E line)")

    def resolve(self, ref: str) -> str:
        """An id as a node key: a trigger stands for its event (as in BioNLP files)."""
        tb = self.textbounds.get(ref)
        if tb is not None and tb.kind == EVENT and len(tb.events) == 1:
            return tb.events[0]
        return ref

    def node(self, where: str, ref: str) -> Node | None:
        node = self.nodes.get(self.resolve(ref))
        if node is None and ref not in self.failed:  # a failed line was reported already
            self.add(where, f"{ref} is not an annotation of this file"
                     if ref not in self.textbounds else
                     f"{ref} is the trigger of {len(self.textbounds[ref].events)} events; "
                     "name the event (E id)")
        return node

    # ---- R, A, #, * lines

    def relation(self, graph: Graph, where: str, parts: list[str]) -> None:
        m = re.fullmatch(r"(\S+) (Arg[12]):(\S+) (Arg[12]):(\S+)",
                         parts[1] if len(parts) > 1 else "")
        if m is None or m.group(2) == m.group(4):
            self.add(where, "expected 'R<n><TAB>TYPE Arg1:ID Arg2:ID'")
            return
        rtype = m.group(1)
        labels = {v: k for k, v in RELATION_NAMES.items()}
        if rtype not in labels:
            self.add(where, f"unknown relation type {rtype!r} (expected "
                            f"{', '.join(RELATION_NAMES.values())})")
            return
        args = {m.group(2): m.group(3), m.group(4): m.group(5)}
        graph.edges.append(Edge(self.resolve(args["Arg1"]), labels[rtype],
                                self.resolve(args["Arg2"]), where, rtype))

    def attribute(self, graph: Graph, where: str, parts: list[str]) -> None:
        fields = parts[1].split() if len(parts) > 1 else []
        if len(fields) not in (2, 3):
            self.add(where, "expected 'A<n><TAB>NAME ID [VALUE]'")
            return
        names = {v: k for k, v in ATTRIBUTE_NAMES.items()}
        name = names.get(fields[0])
        if name is None:
            self.add(where, f"unknown attribute {fields[0]!r} (expected "
                            f"{', '.join(ATTRIBUTE_NAMES.values())})")
            return
        node = self.node(where, fields[1])
        if node is None:
            return
        if len(fields) == 2 and name not in BOOLEANS:  # brat's binary attribute
            self.add(where, f"{fields[0]} needs a value "
                            f"({', '.join(attribute_values()[name])})")
            return
        value = fields[2] if len(fields) == 3 else "true"
        why = check_attribute(node.kind, name, value, ATTRIBUTE_NAMES)
        if why is not None:
            self.add(where, why)
        elif name in node.attrs:
            self.add(where, f"{fields[0]} of {fields[1]} is given twice")
        else:
            node.attrs[name] = value

    def note(self, graph: Graph, where: str, parts: list[str]) -> None:
        fields = parts[1].split() if len(parts) > 1 else []
        if len(fields) != 2 or fields[0] != NOTE_TYPE:
            self.add(where, f"expected '#<n><TAB>{NOTE_TYPE} ID<TAB>key=value ...'")
            return
        node = self.node(where, fields[1])
        if node is None:
            return
        if node.kind not in NOTE_FIELDS:
            self.add(where, f"notes are read on entity mentions, events, numbers and cues, "
                            f"not on {article(KIND_NAMES[node.kind])}")
            return
        if node.fields or node.item_id is not None:
            self.add(where, f"{fields[1]} has a second {NOTE_TYPE} line")
            return
        values, why = decode_notes("\t".join(parts[2:]))
        if why is not None:
            self.add(where, why)
            return
        node.item_id = values.pop("id", None)
        for key, value in values.items():
            why = check_field(node.kind, key, value)
            if why is not None:
                self.add(where, why)
            else:
                node.fields[key] = value

    def equiv(self, graph: Graph, where: str, parts: list[str]) -> None:
        fields = parts[1].split() if len(parts) > 1 else []
        if len(fields) < 3 or fields[0] != "Equiv":
            self.add(where, "expected '*<TAB>Equiv ID ID ...'")
            return
        graph.equivs.append(([self.resolve(f) for f in fields[1:]], where))


def read_ann(ann: str, *, doc_id: str, text: str, file: str,
             meta: Mapping[str, Any] | None = None, status: str | None = None,
             assign_ids: bool = False) -> Imported:
    """The document an .ann text describes over its corpus text (raises FormatError)."""
    reader = _Reader(ann, text, file)
    graph = reader.read()
    if reader.problems:
        raise FormatError(reader.problems)
    return assemble(graph, doc_id=doc_id, text=text, file=file, meta=meta, status=status,
                    assign_ids=assign_ids, link_names={**RELATION_NAMES, "time": TIME_ROLE})


def read_collection(folder: Path, corpus: Mapping[str, Document], *,
                    status: str | None = None, assign_ids: bool = False
                    ) -> tuple[list[Imported], list[Path]]:
    """Every <doc_id>.ann of a brat folder, and the files read (raises FormatError)."""
    anns = sorted(p for p in folder.glob("*.ann") if not p.name.startswith("."))
    if not anns:
        raise FormatError([f"{folder}: no .ann files"])
    problems: list[str] = []
    read: list[Path] = list(anns)
    metas = _read_meta(folder / META_FILE, problems, read)
    out: list[Imported] = []
    for ann in anns:
        doc_id = ann.stem
        if doc_id not in corpus:
            problems.append(f"{ann}: no corpus document {doc_id!r} (an .ann file is named "
                            "<doc_id>.ann)")
            continue
        text = corpus[doc_id].text
        problems += _check_txt(ann.with_suffix(".txt"), text, doc_id, read)
        meta = metas.get(doc_id)
        where = f"{folder / META_FILE}: documents.{doc_id}"
        if meta is not None and (bad := check_meta(meta, where)):
            problems += bad
            continue
        try:
            content = decode_text(ann.read_bytes(), str(ann))
            out.append(read_ann(content, doc_id=doc_id, text=text, file=str(ann), meta=meta,
                                status=status, assign_ids=assign_ids))
        except OSError as exc:
            problems.append(f"{ann}: cannot read: {exc.strerror or exc}")
        except FormatError as exc:
            problems += exc.problems
    if problems:
        raise FormatError(problems)
    return out, read


def _read_meta(path: Path, problems: list[str], read: list[Path]) -> dict[str, Any]:
    if not path.is_file():
        return {}
    read.append(path)
    try:
        data = read_json(path)
    except FormatError as exc:
        problems.extend(exc.problems)
        return {}
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        problems.append(f"{path}: expected an object with 'documents' (doc_id -> fields)")
        return {}
    return docs


def _check_txt(path: Path, text: str, doc_id: str, read: list[Path]) -> list[str]:
    """A .txt beside the .ann must be the corpus text: brat's offsets count in it."""
    if not path.is_file():
        return []
    read.append(path)
    try:
        found = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}: cannot read: {exc}"]
    if found == text:
        return []
    at = next((i for i, (a, b) in enumerate(zip(found, text, strict=False)) if a != b),
              min(len(found), len(text)))
    return [f"{path}: differs from the corpus text of {doc_id} at offset {at} (expected "
            f"{text[at:at + 20]!r}, found {found[at:at + 20]!r}); offsets would not match"]


__all__ = ["META_FILE", "annotation_conf", "brat_type", "decode_notes", "encode_notes",
           "export_collection", "read_ann", "read_collection", "visual_conf", "write_ann"]
