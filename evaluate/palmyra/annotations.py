"""A typed model of one annotation document (gold or prediction), and its JSON form.

The JSON form is defined by schema/annotation.schema.json. `from_dict` assumes a document
that passed validation (palmyra.validate); `to_dict(from_dict(d)) == d` for every valid d.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0.0"
LAYERS = ("entities", "events", "numbers", "attributions")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str

    @classmethod
    def from_dict(cls, d: dict) -> Span:
        return cls(d["start"], d["end"], d["text"])

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def _compact(d: dict[str, Any]) -> dict[str, Any]:
    """Drop unset optional fields so that the JSON form stays minimal and round-trips."""
    return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Entity:
    span: Span
    type: str
    id: str | None = None
    level: str | None = None
    role: str | None = None
    cluster: str | None = None
    note: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Entity:
        return cls(Span.from_dict(d), d["type"], d.get("id"), d.get("level"), d.get("role"),
                   d.get("cluster"), d.get("note"))

    def to_dict(self) -> dict:
        return _compact({"id": self.id, **self.span.to_dict(), "type": self.type,
                         "level": self.level, "role": self.role, "cluster": self.cluster,
                         "note": self.note})


@dataclass(frozen=True, slots=True)
class Argument:
    role: str
    mention: str | None = None
    span: Span | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Argument:
        return cls(d["role"], d.get("mention"), Span.from_dict(d) if "start" in d else None)

    def to_dict(self) -> dict:
        return _compact({"role": self.role, "mention": self.mention,
                         **(self.span.to_dict() if self.span else {})})


@dataclass(frozen=True, slots=True)
class EventTime:
    value: str
    mod: str | None = None
    span: Span | None = None

    @classmethod
    def from_dict(cls, d: dict) -> EventTime:
        return cls(d["value"], d.get("mod"), Span.from_dict(d["span"]) if "span" in d else None)

    def to_dict(self) -> dict:
        return _compact({"value": self.value, "mod": self.mod,
                         "span": self.span.to_dict() if self.span else None})


@dataclass(frozen=True, slots=True)
class Event:
    trigger: Span
    type: str
    id: str | None = None
    realis: str | None = None
    arguments: tuple[Argument, ...] = ()
    time: EventTime | None = None
    cluster: str | None = None
    note: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        return cls(Span.from_dict(d["trigger"]), d["type"], d.get("id"), d.get("realis"),
                   tuple(Argument.from_dict(a) for a in d.get("arguments", [])),
                   EventTime.from_dict(d["time"]) if "time" in d else None,
                   d.get("cluster"), d.get("note"))

    def to_dict(self) -> dict:
        return _compact({"id": self.id, "trigger": self.trigger.to_dict(), "type": self.type,
                         "realis": self.realis,
                         "arguments": [a.to_dict() for a in self.arguments] or None,
                         "time": self.time.to_dict() if self.time else None,
                         "cluster": self.cluster, "note": self.note})


_NUMBER_FIELDS = ("value", "low", "high", "timex", "qualifier", "increment", "unit",
                  "entity", "event", "role", "note")


@dataclass(frozen=True, slots=True)
class Number:
    span: Span
    kind: str
    id: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    timex: str | None = None
    qualifier: str | None = None
    increment: bool | None = None
    unit: str | None = None
    counted: Span | None = None
    entity: str | None = None
    event: str | None = None
    role: str | None = None
    note: str | None = None
    # JSON null is meaningful for value/low/high ("no value"), distinct from absent.
    explicit_nulls: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def from_dict(cls, d: dict) -> Number:
        nulls = frozenset(k for k in ("value", "low", "high") if k in d and d[k] is None)
        return cls(Span.from_dict(d), d["kind"], d.get("id"),
                   counted=Span.from_dict(d["counted"]) if "counted" in d else None,
                   explicit_nulls=nulls, **{k: d.get(k) for k in _NUMBER_FIELDS})

    def to_dict(self) -> dict:
        out: dict[str, Any] = _compact({"id": self.id, **self.span.to_dict(), "kind": self.kind})
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if value is not None or name in self.explicit_nulls:
                out[name] = value
            if name == "unit" and self.counted is not None:
                out["counted"] = self.counted.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class Source:
    span: Span
    mention: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Source:
        return cls(Span.from_dict(d), d.get("mention"))

    def to_dict(self) -> dict:
        return _compact({**self.span.to_dict(), "mention": self.mention})


@dataclass(frozen=True, slots=True)
class Attribution:
    cue: tuple[Span, ...]
    content: tuple[Span, ...]
    id: str | None = None
    source: Source | None = None
    implicit_source: str | None = None
    type: str | None = None
    parent: str | None = None
    hedged: bool | None = None
    note: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Attribution:
        return cls(tuple(Span.from_dict(s) for s in d["cue"]),
                   tuple(Span.from_dict(s) for s in d["content"]), d.get("id"),
                   Source.from_dict(d["source"]) if "source" in d else None,
                   d.get("implicit_source"), d.get("type"), d.get("parent"), d.get("hedged"),
                   d.get("note"))

    def to_dict(self) -> dict:
        return _compact({"id": self.id, "source": self.source.to_dict() if self.source else None,
                         "implicit_source": self.implicit_source,
                         "cue": [s.to_dict() for s in self.cue],
                         "content": [s.to_dict() for s in self.content], "type": self.type,
                         "parent": self.parent, "hedged": self.hedged, "note": self.note})


@dataclass(frozen=True, slots=True)
class AnnotationDocument:
    """One document's annotations. A layer that is None was not annotated (or predicted)."""

    doc_id: str
    status: str | None = None
    entities: tuple[Entity, ...] | None = None
    events: tuple[Event, ...] | None = None
    numbers: tuple[Number, ...] | None = None
    attributions: tuple[Attribution, ...] | None = None
    annotator: str | None = None
    notes: str | None = None
    schema_version: str = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, d: dict) -> AnnotationDocument:
        def layer(name: str, item: Any) -> tuple | None:
            return tuple(item.from_dict(x) for x in d[name]) if name in d else None

        return cls(d["doc_id"], d.get("status"), layer("entities", Entity),
                   layer("events", Event), layer("numbers", Number),
                   layer("attributions", Attribution), d.get("annotator"), d.get("notes"),
                   d.get("schema_version", SCHEMA_VERSION))

    def to_dict(self) -> dict:
        out = _compact({"schema_version": self.schema_version, "doc_id": self.doc_id,
                        "status": self.status, "annotator": self.annotator, "notes": self.notes})
        for name in LAYERS:
            items = getattr(self, name)
            if items is not None:
                out[name] = [x.to_dict() for x in items]
        return out

    def layer(self, name: str) -> tuple:
        """The items of a layer; an absent layer reads as empty."""
        return getattr(self, name) or ()

    def mentions_by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.layer("entities") if e.id is not None}


def dumps(doc: AnnotationDocument | dict) -> str:
    """The canonical JSON text of a document: 2-space indent, UTF-8, trailing newline."""
    data = doc.to_dict() if isinstance(doc, AnnotationDocument) else doc
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _mode(path: Path) -> int:
    """The permissions a rewritten file keeps: its own, or those a new file would get."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path | str, text: str) -> None:
    """Write text to path so that readers see the old file or the new one, never a mix.
    The file keeps its permissions (mkstemp's temporary file alone would be 0600)."""
    path = Path(path)
    mode = _mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump(doc: AnnotationDocument | dict, path: Path | str) -> None:
    write_atomic(path, dumps(doc))


def load(path: Path | str) -> AnnotationDocument:
    """Read one annotation document that is known to be valid (see palmyra.validate)."""
    with open(path, encoding="utf-8") as fh:
        return AnnotationDocument.from_dict(json.load(fh))


__all__ = ["LAYERS", "SCHEMA_VERSION", "AnnotationDocument", "Argument", "Attribution",
           "Entity", "Event", "EventTime", "Number", "Source", "Span", "dump", "dumps",
           "load", "write_atomic"]
