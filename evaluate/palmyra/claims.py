"""The claims layer: propositions across documents, their versions and how they relate.

A claims document (schema/claims.schema.json; the gold is annotations/claims.json) lists
claims; a claim groups the mentions that state one proposition, each mention naming one item
of a gold annotation document (a number, an event, an entity mention or an attribution) with
its span, its source chain (the attributions whose content holds it, outermost first, or
"author"), whether it is hedged and a short normalized version; and the relation between the
versions: agree, compatible, conflict or single_source (annotations/GUIDELINES.md, Part 5).

This module holds the typed model (ClaimsDocument, Claim, ClaimMention; from_dict / to_dict
round-trip), the derivations that the annotation and the checks share (item spans, source
chains), and the validation: the JSON Schema, then the semantic checks (references resolve to
items of the named layer in the named gold document, spans equal the item and the corpus
text, a mention in one claim only, source chains and hedging agree with the attribution
layer, single_source exactly when one document states the claim, every gold number in a
claim). Problems are palmyra.validate.Problem lines, never tracebacks; nothing read is
modified.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from palmyra.annotations import AnnotationDocument, Attribution, Span, write_atomic
from palmyra.corpus import CorpusError, Document, load_document
from palmyra.paths import annotations_dir, schema_dir
from palmyra.validate import (
    CLAIMS_NAME,
    MEMORY,
    REGISTRY_NAME,
    Problem,
    _decode,
    _kind,
    _load_json,
    _schema_problems,
    _show,
    _Sink,
    accelerated,
    json_path,
)

SCHEMA_VERSION = "1.0.0"
CLAIMS_FILE = CLAIMS_NAME
MENTION_LAYERS = ("numbers", "events", "attributions", "entities")
RELATIONS = ("agree", "compatible", "conflict", "single_source")
AUTHOR = "author"

MentionKey = tuple[str, str, str]  # (doc_id, layer, item id)


# --------------------------------------------------------------------------- model


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True)
class ClaimMention:
    """One statement of a claim: an item of a document layer, with its source and hedge."""

    doc_id: str
    layer: str
    id: str
    span: Span | None = None
    source_chain: tuple[str, ...] | None = None
    hedged: bool | None = None
    version: str | None = None

    @property
    def key(self) -> MentionKey:
        return (self.doc_id, self.layer, self.id)

    @classmethod
    def from_dict(cls, d: dict) -> ClaimMention:
        chain = d.get("source_chain")
        return cls(d["doc_id"], d["layer"], d["id"],
                   Span.from_dict(d) if "start" in d else None,
                   tuple(chain) if chain is not None else None, d.get("hedged"),
                   d.get("version"))

    def to_dict(self) -> dict:
        return _compact({"doc_id": self.doc_id, "layer": self.layer, "id": self.id,
                         **(self.span.to_dict() if self.span else {}),
                         "source_chain": list(self.source_chain)
                         if self.source_chain is not None else None,
                         "hedged": self.hedged, "version": self.version})


@dataclass(frozen=True)
class Claim:
    relation: str
    mentions: tuple[ClaimMention, ...]
    id: str | None = None
    topic: str | None = None
    question: str | None = None
    proposition: str | None = None
    note: str | None = None

    @property
    def doc_ids(self) -> list[str]:
        """The documents that state the claim, sorted."""
        return sorted({m.doc_id for m in self.mentions})

    @classmethod
    def from_dict(cls, d: dict) -> Claim:
        return cls(d["relation"], tuple(ClaimMention.from_dict(m) for m in d["mentions"]),
                   d.get("id"), d.get("topic"), d.get("question"), d.get("proposition"),
                   d.get("note"))

    def to_dict(self) -> dict:
        return _compact({"id": self.id, "topic": self.topic, "question": self.question,
                         "proposition": self.proposition, "relation": self.relation,
                         "mentions": [m.to_dict() for m in self.mentions], "note": self.note})


@dataclass(frozen=True)
class ClaimsDocument:
    claims: tuple[Claim, ...]
    status: str | None = None
    annotator: str | None = None
    notes: str | None = None
    schema_version: str = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, d: dict) -> ClaimsDocument:
        return cls(tuple(Claim.from_dict(c) for c in d["claims"]), d.get("status"),
                   d.get("annotator"), d.get("notes"), d.get("schema_version", SCHEMA_VERSION))

    def to_dict(self) -> dict:
        return {**_compact({"schema_version": self.schema_version, "status": self.status,
                            "annotator": self.annotator, "notes": self.notes}),
                "claims": [c.to_dict() for c in self.claims]}


def dumps(doc: ClaimsDocument | dict) -> str:
    """The canonical JSON text: 2-space indent, UTF-8, trailing newline."""
    data = doc.to_dict() if isinstance(doc, ClaimsDocument) else doc
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def dump(doc: ClaimsDocument | dict, path: Path | str) -> None:
    write_atomic(path, dumps(doc))


def load(path: Path | str) -> ClaimsDocument:
    """Read a claims document that is known to be valid (see validate_claims_file)."""
    with open(path, encoding="utf-8") as fh:
        return ClaimsDocument.from_dict(json.load(fh))


def bundled_claims_path() -> Path:
    return annotations_dir() / CLAIMS_FILE


# --------------------------------------------------------------------------- derivations


def item_spans(doc: AnnotationDocument, layer: str, item_id: str) -> list[Span] | None:
    """The spans a mention of this item may have: a number's or entity mention's span, an
    event's trigger, or one of an attribution's content spans. None: no such item."""
    for item in doc.layer(layer):
        if item.id != item_id:
            continue
        if layer == "events":
            return [item.trigger]
        if layer == "attributions":
            return list(item.content)
        return [item.span]
    return None


def _ancestors(att: Attribution, by_id: Mapping[str, Attribution]) -> list[str]:
    """The ids of an attribution's parents, outermost first (a cycle stops the walk)."""
    out: list[str] = []
    node = att.parent
    while node is not None and node in by_id and node not in out:
        out.append(node)
        node = by_id[node].parent
    return out[::-1]


def source_chain(doc: AnnotationDocument, layer: str, item_id: str, span: Span
                 ) -> tuple[str, ...]:
    """The attributions whose content contains the span, outermost first (a parent before
    its child, then by nesting depth); for an attribution item, its ancestors and itself.
    ("author",) when there is none (Part 5, rule 5.1)."""
    by_id = {a.id: a for a in doc.layer("attributions") if a.id is not None}
    if layer == "attributions" and item_id in by_id:
        return (*_ancestors(by_id[item_id], by_id), item_id)
    holding = [a for a in by_id.values()
               if any(c.start <= span.start and span.end <= c.end for c in a.content)]
    if not holding:
        return (AUTHOR,)
    holding.sort(key=lambda a: (len(_ancestors(a, by_id)), min(c.start for c in a.content),
                                a.id))
    return tuple(a.id for a in holding)


def chain_hedged(doc: AnnotationDocument, chain: Iterable[str]) -> bool:
    """True when an attribution of the chain is hedged."""
    by_id = {a.id: a for a in doc.layer("attributions")}
    return any(bool(by_id[a].hedged) for a in chain if a in by_id)


# --------------------------------------------------------------------------- validation


class _ClaimsSchema:
    """The claims schema of one schema folder, checked as validate._Schemas checks the
    others: jsonschema-rs (when installed) answers "valid?", and jsonschema, imported only
    then, describes the problems of a document that fails."""

    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.fast = _fast_validator(raw)
        self._full: Any = None

    def full(self) -> Any:
        """jsonschema's validator, which says what is wrong and where."""
        if self._full is None:
            from jsonschema import Draft202012Validator

            self._full = Draft202012Validator(self.raw)
        return self._full


def _fast_validator(raw: dict) -> Any:
    if not accelerated():
        return None
    import jsonschema_rs  # already imported by palmyra.validate when accelerated()

    return jsonschema_rs.Draft202012Validator(raw)


@cache
def _schema(directory: Path) -> _ClaimsSchema:
    with open(directory / "claims.schema.json", encoding="utf-8") as fh:
        return _ClaimsSchema(json.load(fh))


class _GoldDocs:
    """The gold annotation documents and corpus texts that mentions point into, read once
    each; why a document is unavailable is remembered and reported once."""

    def __init__(self, folder: Path, corpus_dir: Path | None) -> None:
        self.folder = folder
        self.corpus_dir = corpus_dir
        self._docs: dict[str, AnnotationDocument | str] = {}
        self._texts: dict[str, Document | str] = {}

    def doc(self, doc_id: str) -> AnnotationDocument | str:
        """The document, or why it cannot be used (a message)."""
        if doc_id not in self._docs:
            self._docs[doc_id] = self._read(doc_id)
        return self._docs[doc_id]

    def _read(self, doc_id: str) -> AnnotationDocument | str:
        path = self.folder / f"{doc_id}.json"
        if "/" in doc_id or "\\" in doc_id or not path.is_file():
            return f"no gold document {doc_id!r} ({path.name} is not in {self.folder})"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return AnnotationDocument.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return f"{path} is not a readable annotation document (check it with palmyra validate)"

    def text(self, doc_id: str) -> Document | str:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = load_document(doc_id, self.corpus_dir)
            except CorpusError as exc:
                self._texts[doc_id] = str(exc)
        return self._texts[doc_id]

    def all_docs(self) -> dict[str, AnnotationDocument]:
        """Every readable annotation document of the folder (for the coverage check)."""
        out = {}
        for path in sorted(self.folder.glob("*.json")):
            if path.name in (REGISTRY_NAME, CLAIMS_FILE) or path.name.startswith("."):
                continue
            doc = self.doc(path.stem)
            if isinstance(doc, AnnotationDocument) and doc.doc_id == path.stem:
                out[path.stem] = doc
        return out


def load_gold_documents(folder: Path | str | None = None) -> dict[str, AnnotationDocument]:
    """The readable annotation documents of a gold folder (default: the bundled gold), by
    doc_id; clusters.json and claims.json are not documents."""
    return _GoldDocs(Path(folder) if folder is not None else annotations_dir(), None).all_docs()


def default_gold_folder(claims_path: Path | None) -> Path:
    """Where a claims file's references resolve: the annotation documents beside it, when its
    folder has any, else the bundled gold (e.g. for annotations/agreement/claims/*/)."""
    if claims_path is not None:
        folder = claims_path.parent
        if any(p.name not in (REGISTRY_NAME, CLAIMS_FILE) and not p.name.startswith(".")
               for p in folder.glob("*.json")):
            return folder
    return annotations_dir()


class _ClaimChecks:
    """The semantic checks of one claims document (after the schema)."""

    def __init__(self, data: dict, sink: _Sink, gold_docs: _GoldDocs) -> None:
        self.data, self.sink, self.docs = data, sink, gold_docs
        self.gold = data.get("status") == "gold"
        self.reported_docs: set[str] = set()

    def add(self, parts: tuple, message: str, check: str, strict: bool = True) -> None:
        """An error; a warning in a prediction when `strict` is False (scoreable anyway)."""
        severity = "error" if strict or self.gold else "warning"
        self.sink.add(parts, message, check, severity)

    def claims(self) -> list[tuple[int, dict]]:
        seq = self.data.get("claims")
        return [(i, c) for i, c in enumerate(seq) if isinstance(c, dict)] \
            if isinstance(seq, list) else []

    def run(self) -> None:
        seen_ids: dict[str, int] = {}
        seen_topics: dict[str, int] = {}
        owner: dict[MentionKey, tuple[int, int]] = {}
        for i, claim in self.claims():
            self.unique(claim.get("id"), seen_ids, ("claims", i, "id"), "claim id")
            if self.gold:
                self.unique(claim.get("topic"), seen_topics, ("claims", i, "topic"), "topic")
            docs = set()
            mentions = claim.get("mentions")
            for j, mention in enumerate(mentions if isinstance(mentions, list) else []):
                if isinstance(mention, dict):
                    key = self.mention(mention, ("claims", i, "mentions", j))
                    if key is not None:
                        docs.add(key[0])
                        self.once(key, (i, j), owner)
            self.relation(claim, docs, ("claims", i, "relation"))
        if self.gold:
            self.coverage(owner)

    def unique(self, value: Any, seen: dict[str, int], parts: tuple, what: str) -> None:
        if not isinstance(value, str):
            return
        if value in seen:
            self.add(parts, f"duplicate {what} {value!r} (first at "
                            f"{json_path(('claims', seen[value]))})", "id")
        else:
            seen[value] = parts[1]

    def once(self, key: MentionKey, at: tuple[int, int],
             owner: dict[MentionKey, tuple[int, int]]) -> None:
        """A mention belongs to one claim only (and is listed once)."""
        first = owner.get(key)
        if first is None:
            owner[key] = at
            return
        i, j = at
        where = json_path(("claims", first[0], "mentions", first[1]))
        what = "listed twice in this claim" if first[0] == i else "already a mention of " \
            f"claim {self._claim_name(first[0])}"
        self.add(("claims", i, "mentions", j), f"{key[1]} item {key[2]!r} of {key[0]} is "
                 f"{what} ({where}); an item is a mention of one claim only", "duplicate")

    def _claim_name(self, index: int) -> str:
        claim = self.data["claims"][index]
        cid = claim.get("id") if isinstance(claim, dict) else None
        return repr(cid) if isinstance(cid, str) else json_path(("claims", index))

    def mention(self, m: dict, parts: tuple) -> MentionKey | None:
        """Check one mention; its key when it names an item that exists."""
        doc_id, layer, item_id = m.get("doc_id"), m.get("layer"), m.get("id")
        if not (isinstance(doc_id, str) and layer in MENTION_LAYERS and isinstance(item_id, str)):
            return None  # the schema reported it
        doc = self.docs.doc(doc_id)
        if isinstance(doc, str):
            if doc_id not in self.reported_docs:
                self.add((*parts, "doc_id"), doc, "reference")
                self.reported_docs.add(doc_id)
            return None
        spans = item_spans(doc, layer, item_id)
        if spans is None:
            self.add((*parts, "id"), f"{doc_id} has no item {item_id!r} in its {layer} layer",
                     "reference")
            return None
        span = self.span(m, spans, doc_id, layer, item_id, parts)
        self.chain(m, doc, span or spans[0], parts)
        return (doc_id, layer, item_id)

    def span(self, m: dict, spans: list[Span], doc_id: str, layer: str, item_id: str,
             parts: tuple) -> Span | None:
        """The mention's span is the item's span and the corpus text; the span, or None."""
        start, end, text = m.get("start"), m.get("end"), m.get("text")
        if not (type(start) is int and type(end) is int and isinstance(text, str)):
            return None
        what = {"numbers": "the number's span", "events": "the event's trigger",
                "entities": "the mention's span",
                "attributions": "one of the attribution's content spans"}[layer]
        if not any((s.start, s.end) == (start, end) for s in spans):
            shown = ", ".join(f"{s.start}-{s.end}" for s in spans)
            self.add(parts, f"span {start}-{end} is not {what} ({layer} {item_id!r} of "
                            f"{doc_id}: {shown})", "span")
            return None
        corpus = self.docs.text(doc_id)
        if isinstance(corpus, str):
            self.add((*parts, "doc_id"), corpus, "corpus")
            return None
        expected = corpus.text[start:end]
        if text != expected:
            self.add((*parts, "text"), f"expected {_show(expected)} (text[{start}:{end}] of "
                                       f"{doc_id}), found {_show(text)}", "span")
        return Span(start, end, text)

    def chain(self, m: dict, doc: AnnotationDocument, span: Span, parts: tuple) -> None:
        """The source chain names attributions of the document and is the one the
        attribution layer gives; a hedged chain makes a hedged mention."""
        given = m.get("source_chain")
        if not (isinstance(given, list) and all(isinstance(x, str) for x in given)):
            return
        known = {a.id for a in doc.layer("attributions")}
        unknown = [x for x in given if x != AUTHOR and x not in known]
        if unknown:
            self.add((*parts, "source_chain"), f"{doc.doc_id} has no attribution "
                     f"{', '.join(map(repr, unknown))}", "reference")
            return
        expected = list(source_chain(doc, m["layer"], m["id"], span))
        if given != expected:
            self.add((*parts, "source_chain"), f"expected {_show(expected)} (the attributions "
                     f"whose content holds the span, outermost first), found {_show(given)}",
                     "reference", strict=False)
        if m.get("hedged") is False and chain_hedged(doc, given):
            hedged = [a.id for a in doc.layer("attributions") if a.id in given and a.hedged]
            self.add((*parts, "hedged"), f"expected true: attribution "
                     f"{', '.join(map(repr, hedged))} of the source chain is hedged",
                     "reference", strict=False)

    def relation(self, claim: dict, docs: set[str], parts: tuple) -> None:
        relation = claim.get("relation")
        if relation not in RELATIONS or not docs:
            return
        if relation == "single_source" and len(docs) > 1:
            self.add(parts, f"single_source, but {len(docs)} documents state the claim "
                            f"({', '.join(sorted(docs))})", "relation", strict=False)
        elif relation != "single_source" and len(docs) == 1:
            self.add(parts, f"{relation} needs two or more documents; only "
                            f"{next(iter(docs))} states the claim: expected single_source",
                     "relation", strict=False)

    def coverage(self, owner: Mapping[MentionKey, tuple[int, int]]) -> None:
        """Every number of the gold documents is a mention of some claim (rule 2.2)."""
        for doc_id, doc in self.docs.all_docs().items():
            for number in doc.layer("numbers"):
                if number.id is not None and (doc_id, "numbers", number.id) not in owner:
                    self.add(("claims",), f"number {number.id!r} of {doc_id} "
                             f"({_show(number.span.text)}) is in no claim; every gold number "
                             "is a mention of one claim", "coverage")


def validate_claims(data: Any, *, gold_folder: Path | str | None = None,
                    corpus_dir: Path | str | None = None, file: str = MEMORY,
                    schemas: Path | str | None = None) -> list[Problem]:
    """The problems of a claims document held in memory. References resolve against the
    annotation documents of `gold_folder` (default: the bundled gold) and the corpus."""
    sink = _Sink(file)
    if not isinstance(data, dict):
        sink.add((), f"expected a JSON object (a claims document), found {_kind(data)}", "json")
        return sink.problems
    schema = _schema(Path(schemas) if schemas else schema_dir())
    _schema_problems(schema.full, schema.fast, data, sink)
    folder = Path(gold_folder) if gold_folder is not None else annotations_dir()
    docs = _GoldDocs(folder, Path(corpus_dir) if corpus_dir is not None else None)
    _ClaimChecks(data, sink, docs).run()
    return sink.problems


def validate_claims_file(path: Path | str, *, gold_folder: Path | str | None = None,
                         corpus_dir: Path | str | None = None) -> list[Problem]:
    """The problems of a claims file (e.g. annotations/claims.json). References resolve
    against `gold_folder`, by default the annotation documents beside the file, or the
    bundled gold when its folder has none (default_gold_folder)."""
    path = Path(path)
    sink = _Sink(str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        sink.add((), f"cannot read: {exc.strerror or exc}", "json")
        return sink.problems
    text = _decode(raw, sink)
    if text is None:
        return sink.problems
    ok, data = _load_json(text, sink, "a JSON object (a claims document)")
    if not ok:
        return sink.problems
    folder = gold_folder if gold_folder is not None else default_gold_folder(path)
    return sink.problems + validate_claims(data, gold_folder=folder, corpus_dir=corpus_dir,
                                           file=str(path))


__all__ = ["AUTHOR", "CLAIMS_FILE", "MENTION_LAYERS", "RELATIONS", "SCHEMA_VERSION", "Claim",
           "ClaimMention", "ClaimsDocument", "MentionKey", "bundled_claims_path",
           "chain_hedged", "default_gold_folder", "dump", "dumps", "item_spans", "load",
           "load_gold_documents",
           "source_chain", "validate_claims", "validate_claims_file"]
