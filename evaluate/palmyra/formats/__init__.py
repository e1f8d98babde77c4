"""Interchange formats: brat standoff, Label Studio JSON and CoNLL IOB2.

brat and Label Studio carry every field of an annotation document. Both are written from,
and read back into, one format-neutral graph defined here, so the mapping is written once:

  nodes  the text-bound parts: entity mentions, event triggers, numbers and attribution cues
         (the items), and the spans that hang off them (argument and time spans of events,
         counted spans of numbers, sources and contents of attributions). A node has a label
         (an entity or event type, or a fixed label such as "Cue"), spans, enum attributes
         (brat A lines, Label Studio per-region choices) and note fields (brat
         AnnotatorNotes, Label Studio region meta).
  edges  labelled links between nodes: event -> filler (the role name) or time span ("time");
         number -> counted span ("counts"), entity ("quantifies"), event ("in_event");
         cue -> source ("source"), content ("content"), further cue span ("cue"), the cue of
         the parent attribution ("parent"); source -> entity mention ("mention").

`graph_of` turns a document into a graph; `assemble` turns a graph read from a file back
into a document dict and reports every inconsistency as one line. CoNLL carries entity
types and spans only (palmyra.formats.conll). docs/formats.md gives the mapping field by
field. Nothing here reads or writes files: the readers take text, the writers return text.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from palmyra.annotations import LAYERS, SCHEMA_VERSION, AnnotationDocument

FORMATS = ("brat", "labelstudio", "conll")


class FormatError(Exception):
    """Input that cannot be converted. `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------- vocabulary

ENTITY, EVENT, NUMBER, CUE = "entity", "event", "number", "cue"
SOURCE, CONTENT, COUNTED, ARGUMENT, TIME = "source", "content", "counted", "argument", "time"
ITEM_KINDS = (ENTITY, EVENT, NUMBER, CUE)  # the kinds that are items of a layer

# The label of every node of a kind whose label is fixed (entities and events carry a type).
KIND_LABELS = {NUMBER: "Number", CUE: "Cue", SOURCE: "Source", CONTENT: "Content",
               COUNTED: "Counted", ARGUMENT: "Argument", TIME: "Time"}
KIND_NAMES = {ENTITY: "entity mention", EVENT: "event", NUMBER: "number",
              CUE: "attribution cue", SOURCE: "attribution source",
              CONTENT: "attribution content", COUNTED: "counted span",
              ARGUMENT: "argument span", TIME: "time span"}

# Enum fields, carried as attributes; booleans are written "true" / "false".
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    ENTITY: ("level", "role"), EVENT: ("realis",),
    NUMBER: ("kind", "qualifier", "unit", "increment"),
    CUE: ("type", "hedged", "implicit_source")}
BOOLEANS = frozenset({"increment", "hedged"})

# Every other field, carried as notes. `value`, `low`, `high` are numbers or null (null is
# meaningful: "no value"); `arg_spans` lists the arguments (0-based) that give their
# mention's span as well as its id; the rest are strings.
NOTE_FIELDS: dict[str, tuple[str, ...]] = {
    ENTITY: ("cluster", "note"),
    EVENT: ("cluster", "time", "time_mod", "arg_spans", "note"),
    NUMBER: ("value", "low", "high", "timex", "role", "note"),
    CUE: ("note",)}
NUMERIC_FIELDS = frozenset({"value", "low", "high"})

# Links, by (kind of the source node, label): the kinds the target may be. Event roles
# (capitalized names) are checked by ROLE instead.
LINKS: dict[tuple[str, str], tuple[str, ...]] = {
    (EVENT, "time"): (TIME,),
    (NUMBER, "counts"): (COUNTED,), (NUMBER, "quantifies"): (ENTITY,),
    (NUMBER, "in_event"): (EVENT,),
    (CUE, "source"): (SOURCE,), (CUE, "content"): (CONTENT,), (CUE, "cue"): (CUE,),
    (CUE, "parent"): (CUE,),
    (SOURCE, "mention"): (ENTITY,)}
ROLE = re.compile(r"[A-Z][A-Za-z]*")
# The one link that makes a span node part of something (its owner).
OWNER_LINK = {TIME: "time", COUNTED: "counts", SOURCE: "source", CONTENT: "content"}
ID_PREFIXES = {ENTITY: "m", EVENT: "ev", NUMBER: "n", CUE: "a"}
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")  # the schema's id pattern

Spans = list[tuple[int, int]]


@cache
def attribute_values() -> dict[str, tuple[str, ...]]:
    """The values each attribute may take (from the ontology)."""
    from palmyra.ontology import load_ontology

    ontology = load_ontology()
    raw = ontology.raw
    return {"level": tuple(raw["mention_levels"]), "role": tuple(raw["mention_roles"]),
            "realis": tuple(raw["realis"]), "kind": tuple(raw["number_kinds"]),
            "qualifier": tuple(raw["number_qualifiers"]), "unit": tuple(ontology.units),
            "increment": ("true", "false"), "type": tuple(raw["attribution_types"]),
            "hedged": ("true", "false"), "implicit_source": tuple(raw["implicit_sources"])}


def check_attribute(kind: str, name: str, value: str,
                    shown: Mapping[str, str] | None = None) -> str | None:
    """Why attribute `name` = `value` cannot be on a node of `kind` (None when it can).
    `shown` maps field names to the input format's attribute names, for the message."""
    shown = shown or {}
    if name not in ATTRIBUTES.get(kind, ()):
        allowed = ", ".join(shown.get(a, a) for a in ATTRIBUTES.get(kind, ())) or "none"
        return (f"{shown.get(name, name)} does not apply to {article(KIND_NAMES[kind])} "
                f"(attributes: {allowed})")
    values = attribute_values()[name]
    if value not in values:
        return f"{shown.get(name, name)}: expected one of {', '.join(values)}, found {value!r}"
    return None


def check_field(kind: str, name: str, value: Any) -> str | None:
    """Why note field `name` = `value` cannot be on a node of `kind` (None when it can)."""
    if name not in NOTE_FIELDS.get(kind, ()):
        allowed = ", ".join(NOTE_FIELDS.get(kind, ())) or "none"
        return (f"unknown note field {name!r} for {article(KIND_NAMES[kind])} "
                f"(fields: {allowed})")
    if name in NUMERIC_FIELDS:
        ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
        return None if ok else f"{name}: expected a number or null, found {_show(value)}"
    if name == "arg_spans":
        ok = isinstance(value, list) and all(type(v) is int and v >= 0 for v in value)
        return None if ok else f"arg_spans: expected argument positions (0, 1, ...), " \
                               f"found {_show(value)}"
    return None if isinstance(value, str) else f"{name}: expected a string, found {_show(value)}"


def article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


# --------------------------------------------------------------------------- the graph


@dataclass
class Node:
    """A text-bound part of a document. `key` names it in messages: a JSON path when
    written from a document, the input's own id (T5, a Label Studio result id) when read."""

    key: str
    kind: str
    label: str
    spans: Spans
    item_id: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    where: str = ""  # where the node was read ("file:line"), for messages


@dataclass(frozen=True)
class Edge:
    source: str
    label: str
    target: str
    where: str = ""
    shown: str = ""  # the link's name in the input format ("HasSource"), for messages

    @property
    def name(self) -> str:
        return self.shown or self.label


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # Groups of coreferent entity nodes (brat Equiv lines), with where each was read.
    equivs: list[tuple[list[str], str]] = field(default_factory=list)


def graph_of(doc: AnnotationDocument) -> Graph:
    """The graph of a (valid) document. Node keys are the JSON paths of what they hold."""
    g = Graph()
    key_of: dict[str, str] = {}
    for layer in LAYERS:
        for i, item in enumerate(doc.layer(layer)):
            if item.id is not None:
                key_of[item.id] = f"$.{layer}[{i}]"

    def span_node(key: str, kind: str, spans: Iterable[Any]) -> Node:
        node = Node(key, kind, KIND_LABELS[kind], [(s.start, s.end) for s in spans])
        g.nodes.append(node)
        return node

    def link(source: str, label: str, target: str) -> None:
        g.edges.append(Edge(source, label, target))

    for i, e in enumerate(doc.layer("entities")):
        g.nodes.append(Node(f"$.entities[{i}]", ENTITY, e.type, [(e.span.start, e.span.end)],
                            e.id, _present(level=e.level, role=e.role),
                            _present(cluster=e.cluster, note=e.note)))
    for i, ev in enumerate(doc.layer("events")):
        key = f"$.events[{i}]"
        with_spans = [j for j, a in enumerate(ev.arguments) if a.mention and a.span]
        time = ev.time
        g.nodes.append(Node(key, EVENT, ev.type, [(ev.trigger.start, ev.trigger.end)], ev.id,
                            _present(realis=ev.realis),
                            _present(cluster=ev.cluster, time=time and time.value,
                                     time_mod=time and time.mod,
                                     arg_spans=with_spans or None, note=ev.note)))
        for j, arg in enumerate(ev.arguments):
            if arg.mention is not None:
                link(key, arg.role, key_of[arg.mention])
            elif arg.span is not None:
                link(key, arg.role, span_node(f"{key}.arguments[{j}]", ARGUMENT, [arg.span]).key)
        if time is not None and time.span is not None:
            link(key, "time", span_node(f"{key}.time.span", TIME, [time.span]).key)
    for i, n in enumerate(doc.layer("numbers")):
        key = f"$.numbers[{i}]"
        fields = {k: getattr(n, k) for k in NOTE_FIELDS[NUMBER]
                  if getattr(n, k) is not None or k in n.explicit_nulls}
        increment = None if n.increment is None else str(n.increment).lower()
        g.nodes.append(Node(key, NUMBER, KIND_LABELS[NUMBER], [(n.span.start, n.span.end)],
                            n.id, _present(kind=n.kind, qualifier=n.qualifier, unit=n.unit,
                                           increment=increment), fields))
        if n.counted is not None:
            link(key, "counts", span_node(f"{key}.counted", COUNTED, [n.counted]).key)
        if n.entity is not None:
            link(key, "quantifies", key_of[n.entity])
        if n.event is not None:
            link(key, "in_event", key_of[n.event])
    for i, a in enumerate(doc.layer("attributions")):
        key = f"$.attributions[{i}]"
        hedged = None if a.hedged is None else str(a.hedged).lower()
        g.nodes.append(Node(key, CUE, KIND_LABELS[CUE], [(s.start, s.end) for s in a.cue],
                            a.id, _present(type=a.type, hedged=hedged,
                                           implicit_source=a.implicit_source),
                            _present(note=a.note)))
        if a.source is not None:
            source = span_node(f"{key}.source", SOURCE, [a.source.span])
            link(key, "source", source.key)
            if a.source.mention is not None:
                link(source.key, "mention", key_of[a.source.mention])
        link(key, "content", span_node(f"{key}.content", CONTENT, a.content).key)
        if a.parent is not None:
            link(key, "parent", key_of[a.parent])
    return g


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def split_spans(g: Graph, together: Callable[[Spans], bool]) -> Graph:
    """The graph with one node per span wherever `together(spans)` is false.

    Only cues and contents have several spans. A cue keeps its first span and links the
    others as further cue nodes ("cue" edges); a content node becomes one content node per
    span, each linked from the cue. Reading puts the spans back in the same order.
    """
    nodes: list[Node] = []
    pieces: dict[str, list[str]] = {}
    extra: list[Edge] = []
    for node in g.nodes:
        if len(node.spans) < 2 or together(node.spans):
            nodes.append(node)
        elif node.kind == CUE:
            nodes.append(Node(node.key, CUE, node.label, node.spans[:1], node.item_id,
                              node.attrs, node.fields, node.where))
            for k, span in enumerate(node.spans[1:], start=1):
                nodes.append(Node(f"{node.key}.cue[{k}]", CUE, node.label, [span]))
                extra.append(Edge(node.key, "cue", nodes[-1].key))
        else:
            keys = pieces.setdefault(node.key, [])
            for k, span in enumerate(node.spans):
                keys.append(f"{node.key}[{k}]")
                nodes.append(Node(keys[-1], node.kind, node.label, [span]))
    edges = [Edge(e.source, e.label, t, e.where, e.shown)
             for e in g.edges for t in pieces.get(e.target, [e.target])]
    return Graph(nodes, edges + extra, g.equivs)


# --------------------------------------------------------------------------- documents


@dataclass
class Imported:
    """One document read from an interchange file: the document (a dict, checked by
    palmyra.validate before it is written) and where each of its items came from."""

    document: dict
    file: str
    origins: dict[str, str] = field(default_factory=dict)  # JSON path -> key in the input

    def locate(self, path: str) -> str:
        """`T5 ($.entities[4].level)`: a JSON path with the input key of its item."""
        best = ""
        for prefix in self.origins:
            if (len(prefix) > len(best) and path.startswith(prefix)
                    and path[len(prefix):len(prefix) + 1] in ("", ".", "[")):
                best = prefix
        return f"{self.origins[best]} ({path})" if best else path

    def canonical(self) -> dict:
        """The document in palmyra's canonical form (valid documents only)."""
        return AnnotationDocument.from_dict(self.document).to_dict()


META_FIELDS = ("schema_version", "status", "annotator", "notes")


def check_meta(meta: Any, where: str) -> list[str]:
    """Problems of a document's record of its own fields (schema_version, status,
    annotator, notes, layers) as the brat and Label Studio files keep it."""
    if not isinstance(meta, dict):
        return [f"{where}: expected an object, found {_show(meta)}"]
    problems = [f"{where}: unexpected field {k!r} (fields: {', '.join(META_FIELDS)}, layers)"
                for k in meta if k not in (*META_FIELDS, "layers")]
    problems += [f"{where}.{k}: expected a string, found {_show(meta[k])}"
                 for k in META_FIELDS if k in meta and not isinstance(meta[k], str)]
    layers = meta.get("layers", list(LAYERS))
    if not isinstance(layers, list) or any(x not in LAYERS for x in layers):
        problems.append(f"{where}.layers: expected a list of {', '.join(LAYERS)}, "
                        f"found {_show(layers)}")
    return problems


def document_meta(doc: AnnotationDocument) -> dict[str, Any]:
    """The document-level fields that no annotation line carries."""
    data = doc.to_dict()
    meta = {k: data[k] for k in META_FIELDS if k in data}
    meta["layers"] = [layer for layer in LAYERS if layer in data]
    return meta


def assemble(graph: Graph, *, doc_id: str, text: str, file: str,
             meta: Mapping[str, Any] | None = None, status: str | None = None,
             assign_ids: bool = False, link_names: Mapping[str, str] | None = None
             ) -> Imported:
    """The document a graph read from `file` describes (raises FormatError).

    meta: the document's own fields (see document_meta); None when the input has no record
    of them: then every layer is present and `status` (if given) is the status.
    assign_ids: give every item without an id one (m<N>, ev<N>, n<N>, a<N>, numbered after
    the highest in use). Items that others refer to get one in any case.
    link_names: the input format's names of the links ("source" -> "HasSource"), for
    messages.
    """
    names = dict(link_names or {})
    return _Assembler(graph, text, file, meta, status, names).run(doc_id, assign_ids)


class _Assembler:
    def __init__(self, graph: Graph, text: str, file: str, meta: Mapping[str, Any] | None,
                 status: str | None, names: dict[str, str]) -> None:
        self.graph, self.text, self.file = graph, text, file
        self.meta, self.status, self.names = meta, status, names
        self.problems: list[str] = []
        self.nodes = {n.key: n for n in graph.nodes}
        self.out: dict[str, list[Edge]] = defaultdict(list)
        self.into: dict[str, list[Edge]] = defaultdict(list)
        self.ids: dict[str, str] = {}  # node key -> item id
        self.origins: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def run(self, doc_id: str, assign_ids: bool) -> Imported:
        for edge in self.graph.edges:
            self.link(edge)
        self.check_nodes()
        clusters = self.clusters()
        self.assign(assign_ids)
        layers = {
            "entities": [self.entity(n, clusters, f"$.entities[{i}]")
                         for i, n in enumerate(self.of(ENTITY))],
            "events": [self.event(n, f"$.events[{i}]") for i, n in enumerate(self.of(EVENT))],
            "numbers": [self.number(n, f"$.numbers[{i}]")
                        for i, n in enumerate(self.of(NUMBER))],
            "attributions": [self.attribution(n, f"$.attributions[{i}]")
                             for i, n in enumerate(self.anchors())]}
        if self.problems:
            raise FormatError(self.problems)
        document: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "doc_id": doc_id}
        meta = self.meta
        if meta is None:
            if self.status is not None:
                document["status"] = self.status
        else:
            document.update({k: meta[k] for k in META_FIELDS if k in meta})
        listed = None if meta is None else meta.get("layers", list(LAYERS))
        for layer, items in layers.items():
            if listed is None or layer in listed or items:
                document[layer] = items
        return Imported(document, self.file, self.origins)

    def of(self, kind: str) -> list[Node]:
        return [n for n in self.graph.nodes if n.kind == kind]

    # ---- structure

    def link(self, edge: Edge) -> None:
        source, target = self.nodes.get(edge.source), self.nodes.get(edge.target)
        for ref, node in ((edge.source, source), (edge.target, target)):
            if node is None:
                self.add(edge.where, f"{edge.name} refers to {ref}, which is not defined")
        if source is None or target is None:
            return
        if source.kind == EVENT and edge.label != "time" and ROLE.fullmatch(edge.label):
            expected: tuple[str, ...] | None = (ENTITY, ARGUMENT)
        else:
            expected = LINKS.get((source.kind, edge.label))
        if expected is None:
            self.add(edge.where, f"{edge.name} cannot start at {article(KIND_NAMES[source.kind])}"
                                 f" ({source.key})")
        elif target.kind not in expected:
            want = " or ".join(article(KIND_NAMES[k]) for k in expected)
            self.add(edge.where, f"{edge.name} from {source.key} must point to {want}, found "
                                 f"{article(KIND_NAMES[target.kind])} ({target.key})")
        else:
            self.out[source.key].append(edge)
            self.into[target.key].append(edge)

    def targets(self, node: Node, label: str) -> list[Node]:
        return [self.nodes[e.target] for e in self.out[node.key] if e.label == label]

    def single(self, node: Node, label: str) -> Node | None:
        edges = [e for e in self.out[node.key] if e.label == label]
        if len(edges) > 1:
            self.add(edges[1].where, f"{node.key} has {len(edges)} {edges[1].name} links; "
                                     "expected at most one")
        return self.nodes[edges[0].target] if edges else None

    def check_nodes(self) -> None:
        for node in self.graph.nodes:
            what = f"{KIND_NAMES[node.kind]} {node.key}"
            if not node.spans:
                self.add(node.where, f"{what} has no span")
            elif len(node.spans) > 1 and node.kind not in (CUE, CONTENT):
                self.add(node.where, f"{what} has {len(node.spans)} fragments; expected one "
                                     "continuous span")
            owners = self.into[node.key]
            if node.kind == ARGUMENT:
                owners = [e for e in owners if ROLE.fullmatch(e.label) and e.label != "time"]
                self.owned(node, owners, "an event role")
            elif node.kind in OWNER_LINK:
                label = OWNER_LINK[node.kind]
                self.owned(node, [e for e in owners if e.label == label],
                           f"a {self.names.get(label, label)!r} link")
            elif node.kind == CUE:
                self.cue_part(node)

    def owned(self, node: Node, edges: list[Edge], link: str) -> None:
        """A span node belongs to exactly one item."""
        if not edges:
            self.add(node.where, f"{KIND_NAMES[node.kind]} {node.key} belongs to nothing "
                                 f"(expected {link} pointing to it)")
        elif len(edges) > 1:
            self.add(edges[1].where, f"{KIND_NAMES[node.kind]} {node.key} is linked "
                                     f"{len(edges)} times; expected once")

    def cue_part(self, node: Node) -> None:
        """A cue that another cue links with "cue" is a further span of that attribution."""
        parts = [e for e in self.into[node.key] if e.label == "cue"]
        if not parts:
            return
        if len(parts) > 1 or self.out[node.key] or node.attrs or node.fields or node.item_id \
                or [e for e in self.into[node.key] if e.label == "parent"]:
            self.add(parts[0].where, f"cue {node.key} is a further span of "
                                     f"{parts[0].source}; it cannot have links, attributes, "
                                     "notes or an id of its own")
        elif self.nodes[parts[0].source] in self.continuations():
            self.add(parts[0].where, f"{parts[0].name} from {parts[0].source}: link further "
                                     "cue spans from the first cue of the attribution")

    def continuations(self) -> list[Node]:
        return [n for n in self.of(CUE) if any(e.label == "cue" for e in self.into[n.key])]

    def anchors(self) -> list[Node]:
        further = {n.key for n in self.continuations()}
        return [n for n in self.of(CUE) if n.key not in further]

    # ---- coreference and ids

    def clusters(self) -> dict[str, str]:
        """Cluster ids of entity nodes: their own, else their Equiv group's (brat)."""
        own = {n.key: n.fields["cluster"] for n in self.of(ENTITY) if "cluster" in n.fields}
        parent: dict[str, str] = {}

        def find(k: str) -> str:
            while parent.get(k, k) != k:
                k = parent[k]
            return k

        where_of: dict[str, str] = {}
        for keys, where in self.graph.equivs:
            bad = [k for k in keys if k not in self.nodes or self.nodes[k].kind != ENTITY]
            if bad:
                self.add(where, f"Equiv links {', '.join(bad)}: expected entity mentions")
                continue
            for k in keys:
                where_of.setdefault(k, where)
                parent.setdefault(k, k)
                parent[find(k)] = find(keys[0])
        groups: dict[str, list[str]] = defaultdict(list)
        for k in parent:
            groups[find(k)].append(k)
        out = dict(own)
        for members in groups.values():
            named = sorted({own[k] for k in members if k in own})
            if len(named) > 1:
                shown = ", ".join(f"{c} ({next(k for k in members if own.get(k) == c)})"
                                  for c in named)
                self.add(where_of[members[0]], f"Equiv joins mentions of different clusters: "
                                               f"{shown}")
                continue
            cluster = named[0] if named else f"E:equiv-{members[0].lower()}"
            out.update({k: cluster for k in members if k not in own})
        return out

    def assign(self, assign_all: bool) -> None:
        referenced = {e.target for e in self.graph.edges
                      if e.label in ("quantifies", "in_event", "parent", "mention")
                      or (ROLE.fullmatch(e.label) and e.label != "time")}
        taken = {n.item_id for n in self.graph.nodes if n.item_id}
        further = {n.key for n in self.continuations()}
        for node in self.graph.nodes:
            if node.item_id is not None:
                self.ids[node.key] = node.item_id
            elif node.kind in ID_PREFIXES and node.key not in further and (
                    assign_all or node.key in referenced):
                self.ids[node.key] = _next_id(ID_PREFIXES[node.kind], taken)
                taken.add(self.ids[node.key])

    # ---- items

    def span(self, start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "text": self.text[start:end]}

    def first(self, node: Node, path: str) -> dict[str, Any]:
        """The node's (first) span, recorded as the origin of `path`."""
        self.origins[path] = node.key
        return self.span(*node.spans[0]) if node.spans else {}

    def head(self, node: Node, path: str) -> dict[str, Any]:
        self.origins[path] = node.key
        return {"id": self.ids[node.key]} if node.key in self.ids else {}

    def entity(self, node: Node, clusters: Mapping[str, str], path: str) -> dict[str, Any]:
        out = {**self.head(node, path), **self.first(node, path), "type": node.label,
               **node.attrs}
        if node.key in clusters:
            out["cluster"] = clusters[node.key]
        return {**out, **_present(note=node.fields.get("note"))}

    def event(self, node: Node, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {**self.head(node, path),
                               "trigger": self.first(node, f"{path}.trigger"),
                               "type": node.label, **node.attrs}
        args: list[dict[str, Any]] = []
        fillers: list[Node] = []
        for edge in self.out[node.key]:
            if edge.label == "time":
                continue
            target = self.nodes[edge.target]
            # An argument is named as written: "E1 Captor:T6" (brat), "ev1 Captor:m6".
            self.origins[f"{path}.arguments[{len(args)}]"] = \
                f"{node.key} {edge.name}:{target.key}"
            fillers.append(target)
            if target.kind == ENTITY:
                args.append({"role": edge.label, "mention": self.ids[target.key]})
            else:
                args.append({"role": edge.label, **self.span(*target.spans[0])})
        for j in node.fields.get("arg_spans", []):
            if j >= len(args) or "mention" not in args[j]:
                self.add(node.where, f"event {node.key}: arg_spans names argument {j}, which "
                                     "is not an argument with a mention")
            else:
                args[j].update(self.span(*fillers[j].spans[0]))
        if args:  # the canonical form has no empty list
            out["arguments"] = args
        time = self.time(node, f"{path}.time")
        if time is not None:
            out["time"] = time
        fields = node.fields
        return {**out, **_present(cluster=fields.get("cluster"), note=fields.get("note"))}

    def time(self, node: Node, path: str) -> dict[str, Any] | None:
        span = self.single(node, "time")
        fields = node.fields
        if "time" not in fields:
            if span is not None or "time_mod" in fields:
                self.add(node.where, f"event {node.key} has a time span or time_mod but no "
                                     "time value (note field time=...)")
            return None
        time: dict[str, Any] = {"value": fields["time"]}
        if "time_mod" in fields:
            time["mod"] = fields["time_mod"]
        if span is not None:
            time["span"] = self.first(span, f"{path}.span")
        return time

    def number(self, node: Node, path: str) -> dict[str, Any]:
        attrs = dict(node.attrs)
        out: dict[str, Any] = {**self.head(node, path), **self.first(node, path)}
        if "increment" in attrs:
            out["increment"] = attrs.pop("increment") == "true"
        out.update(attrs)
        out.update(node.fields)
        counted = self.single(node, "counts")
        if counted is not None:
            out["counted"] = self.first(counted, f"{path}.counted")
        for label, name in (("quantifies", "entity"), ("in_event", "event")):
            target = self.single(node, label)
            if target is not None:
                out[name] = self.ids[target.key]
        return out

    def attribution(self, node: Node, path: str) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.head(node, path))
        source = self.single(node, "source")
        if source is not None:
            out["source"] = self.first(source, f"{path}.source")
            mention = self.single(source, "mention")
            if mention is not None:
                out["source"]["mention"] = self.ids[mention.key]
        if "implicit_source" in node.attrs:
            out["implicit_source"] = node.attrs["implicit_source"]
        out["cue"] = self.spans_of([node, *self.targets(node, "cue")], f"{path}.cue")
        contents = self.targets(node, "content")
        if not contents:
            self.add(node.where, f"attribution cue {node.key} has no content (expected a "
                                 f"{self.names.get('content', 'content')!r} link to a "
                                 "Content span)")
        out["content"] = self.spans_of(contents, f"{path}.content")
        if "type" in node.attrs:
            out["type"] = node.attrs["type"]
        parent = self.single(node, "parent")
        if parent is not None:
            out["parent"] = self.ids[parent.key]
        if "hedged" in node.attrs:
            out["hedged"] = node.attrs["hedged"] == "true"
        return {**out, **_present(note=node.fields.get("note"))}

    def spans_of(self, nodes: list[Node], path: str) -> list[dict[str, Any]]:
        out = []
        for node in nodes:
            for span in node.spans:
                self.origins[f"{path}[{len(out)}]"] = node.key
                out.append(self.span(*span))
        return out


def _next_id(prefix: str, taken: set[str]) -> str:
    pattern = re.compile(rf"{re.escape(prefix)}([0-9]{{1,18}})")  # ASCII; int() reads it
    numbers = [int(m.group(1)) for t in taken if (m := pattern.fullmatch(t))]
    return f"{prefix}{max(numbers, default=0) + 1}"


# --------------------------------------------------------------------------- checking, I/O


def decode_text(raw: bytes, file: str) -> str:
    """The text of an input file (raises FormatError, one line, for a byte order mark or
    bytes that are not UTF-8: offsets count code points of the text as the corpus has it)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise FormatError([f"{file}: starts with a UTF-8 byte order mark; save the file as "
                           "UTF-8 without BOM"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FormatError([f"{file}:{line}: not UTF-8: byte 0x{raw[exc.start]:02x} (byte "
                           f"offset {exc.start}) is not valid UTF-8"]) from None


def read_json(path: Path) -> Any:
    """A JSON input file, parsed as the validator parses documents (raises FormatError with
    one line per problem: unreadable, not UTF-8, a syntax error, NaN, an integer too long to
    read, nesting too deep, a duplicate key, a lone surrogate, a number beyond a double)."""
    from palmyra.validate import load_json

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    data, problems = load_json(decode_text(raw, str(path)))
    if problems:
        raise FormatError([f"{path}: {line}" for line in problems])
    return data


def check_imported(docs: Sequence[Imported], *, corpus_dir: Path | str | None = None,
                   registry: Mapping | Path | str | None = None) -> tuple[list[str], list[str]]:
    """Errors and warnings of converted documents (palmyra.validate), one line each:
    `<input file>: <input key> (<JSON path>): <message>`."""
    from palmyra.validate import Validator

    validator = Validator(corpus_dir)
    errors: list[str] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for item in docs:
        doc_id = item.document.get("doc_id")
        if doc_id in seen:
            errors.append(f"{item.file}: {doc_id} is converted twice (also from {seen[doc_id]})")
            continue
        seen[doc_id] = item.file
        for p in validator.document(item.document, file=item.file, registry=registry):
            line = f"{item.file}: {item.locate(p.path)}: {p.message}"
            (warnings if p.severity == "warning" else errors).append(line)
    return errors, warnings


def load_documents(path: Path | str, corpus_dir: Path | str | None = None
                   ) -> list[AnnotationDocument]:
    """Annotation documents to export: a folder of <doc_id>.json files, one .json document or
    a .jsonl file, read and validated as the harness reads them (palmyra.io); raises
    FormatError listing the problems."""
    from palmyra.io import InputError, read_documents

    try:
        return list(read_documents(path, corpus_dir, what="annotations").docs.values())
    except InputError as exc:
        raise FormatError(exc.problems) from None


__all__ = ["ATTRIBUTES", "FORMATS", "KIND_LABELS", "NOTE_FIELDS", "Edge", "FormatError",
           "Graph", "Imported", "Node", "article", "assemble", "attribute_values",
           "check_attribute", "check_field", "check_imported", "check_meta", "document_meta",
           "graph_of", "load_documents", "split_spans"]
