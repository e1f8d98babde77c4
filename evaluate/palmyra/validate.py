"""Validation of annotation documents and of the cluster registry.

Two passes over every document: the JSON Schema (schema/annotation.schema.json, or
schema/clusters.schema.json for the registry), then the semantic checks a schema cannot
express (offsets against the corpus text, references between items, the ontology's roles,
clusters against the registry, zones). Every entry point returns its `Problem`s and never
raises on bad data; nothing read is modified.

Entry points:
  validate_document(data)       one document held in memory (the harness checks predictions)
  validate_file(path)           one .json document, a .jsonl file (one document per line) or
                                the registry (a file named clusters.json)
  validate_folder(path)         clusters.json + every *.json / *.jsonl of a folder
  validate_paths(paths)         any mix of files and folders -> Report (the CLI)
  validate_corpus(corpus_dir)   the corpus itself: checksums, lengths, zones
`Validator` holds the caches (corpus texts, zones) when many calls share one corpus.
"""

from __future__ import annotations

import codecs
import datetime
import json
import math
import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from palmyra.annotations import LAYERS
from palmyra.corpus import DOC_ID, CorpusError, Document, load_document, normalization_hint
from palmyra.ontology import Ontology, load_ontology
from palmyra.paths import (
    CLAIMS_FILE,
    NOT_DOCUMENTS,
    REGISTRY_FILE,
    annotations_dir,
    corpus_dir,
    schema_dir,
)

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

try:  # Optional: a compiled validator that answers "valid?" ~100x faster (see _Schemas).
    import jsonschema_rs as _fast
except ImportError:  # pragma: no cover - depends on the environment
    _fast = None

Severity = Literal["error", "warning"]
_CALENDAR_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
PathPart = str | int
REGISTRY_NAME = REGISTRY_FILE
CLAIMS_NAME = CLAIMS_FILE  # the claims layer of a folder, checked by palmyra.claims
MEMORY = "<memory>"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file: where (file, JSON path, JSONL line) and what.

    `check` names the family of the check (json, schema, span, id, reference, ontology,
    cluster, duplicate, cycle, zone, corpus, file-name, registry, folder).
    """

    file: str
    path: str
    message: str
    severity: Severity = "error"
    check: str = "schema"
    line: int | None = None

    @property
    def location(self) -> str:
        return f"{self.line}:{self.path}" if self.line is not None else self.path

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.location}: {prefix}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path,
                "severity": self.severity, "check": self.check, "message": self.message}


@dataclass
class Report:
    """The problems of one run over files and folders, and how many files were read."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- JSON paths


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(parts: Iterable[PathPart]) -> str:
    """`("entities", 3, "end")` -> `$.entities[3].end` (odd keys are quoted: `$["a b"]`)."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def _natural_key(path: str) -> tuple:
    """Sort `$.entities[10]` after `$.entities[9]`."""
    return tuple((0, int(tok), "") if tok.isdigit() else (1, 0, tok)
                 for tok in re.split(r"(\d+)", path))


def _show(value: Any, limit: int = 60) -> str:
    """A short JSON rendering of a found value, for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _is_int(value: Any) -> bool:
    return type(value) is int  # bool is an int subclass, and JSON true is not an offset


class _Sink:
    """Collects the problems of one document (one file, or one line of a JSONL file)."""

    def __init__(self, file: str, line: int | None = None) -> None:
        self.file, self.line = file, line
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, parts: Iterable[PathPart], message: str, check: str,
            severity: Severity = "error") -> None:
        path = json_path(parts)
        if (path, message) in self._seen:  # one schema error can be described twice
            return
        self._seen.add((path, message))
        self.problems.append(Problem(self.file, path, message, severity, check, self.line))

    def where(self, parts: Iterable[PathPart]) -> tuple[str, int | None, str]:
        """A place in this document, as other documents point at it (see _show_where)."""
        return self.file, self.line, json_path(parts)


# --------------------------------------------------------------------------- schemas


class _Schemas:
    """The two schemas ("annotation", "clusters"), compiled once per schema folder.

    jsonschema reports every error with its path; it costs ~50 ms for a fully annotated
    document. When jsonschema-rs is installed, it answers the yes/no question first (~0.5 ms)
    and jsonschema only describes the documents that fail, so problems are the same either
    way and a valid corpus of 10,000 documents is checked in seconds. jsonschema itself is
    then imported only when a document fails (the import alone takes ~0.1 s of start-up).
    """

    def __init__(self, raw: dict[str, dict]) -> None:
        self.raw = raw
        self.fast = ({k: _fast.Draft202012Validator(v) for k, v in raw.items()}
                     if _fast is not None else {})
        self._full: dict[str, Draft202012Validator] = {}

    def full(self, name: str) -> Draft202012Validator:
        """jsonschema's validator of a schema, which says what is wrong and where."""
        if name not in self._full:
            from jsonschema import Draft202012Validator

            self._full[name] = Draft202012Validator(self.raw[name])
        return self._full[name]


@cache
def _schemas(directory: Path) -> _Schemas:
    raw = {}
    for name in ("annotation", "clusters"):
        with open(directory / f"{name}.schema.json", encoding="utf-8") as fh:
            raw[name] = json.load(fh)
    return _Schemas(raw)


def accelerated() -> bool:
    """True when the compiled pre-check (jsonschema-rs) is in use."""
    return _fast is not None


def _schema_problems(validator: Draft202012Validator | Callable[[], Draft202012Validator],
                     fast: Any, data: Any, sink: _Sink) -> set[str]:
    """Report every schema error of `data`; return the JSON paths that had one. The
    validator may be given as a function, called only when `fast` finds a problem."""
    if fast is not None:
        try:
            if fast.is_valid(data):
                return set()
        except (ValueError, TypeError, OverflowError):
            pass  # something it cannot convert: let jsonschema judge
    if not hasattr(validator, "iter_errors"):
        validator = validator()
    paths: set[str] = set()
    for error in validator.iter_errors(data):
        for parts, message in _describe(error):
            sink.add(parts, message, "schema")
            paths.add(json_path(parts))
    return paths


def _describe(error: Any) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """Turn one jsonschema error into `(path, "expected ..., found ...")` lines."""
    parts = tuple(error.absolute_path)
    inst, value, keyword = error.instance, error.validator_value, error.validator
    gold = " (required when status is gold)" if "then" in error.absolute_schema_path else ""
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        yield parts, f"expected {expected}, found {_kind(inst)} {_show(inst)}"
    elif keyword == "required" and isinstance(inst, dict):
        for name in value:
            if name not in inst:
                yield parts, f"missing required property {name!r}{gold}"
    elif keyword == "enum":
        yield parts, f"expected one of {', '.join(map(str, value))}; found {_show(inst)}"
    elif keyword == "const":
        yield parts, f"expected {_show(value)}, found {_show(inst)}"
    elif keyword == "pattern":
        # The schema ends patterns with (?![\s\S]) because `$` also matches before a final
        # newline in Python; readers know the anchor as `$`.
        end = "(?![\\s\\S])"
        shown = value[: -len(end)] + "$" if value.endswith(end) else value
        yield parts, f"expected a string matching {shown}, found {_show(inst)}"
    elif keyword == "minimum":
        yield parts, f"expected a number >= {value}, found {_show(inst)}"
    elif keyword == "minLength":
        yield parts, f"expected a string of at least {value} character(s), found {_show(inst)}"
    elif keyword == "minItems":
        yield parts, f"expected at least {value} item(s), found {len(inst)}"
    elif keyword in ("unevaluatedProperties", "additionalProperties") and isinstance(inst, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        for name in extra:
            yield (*parts, name), f"unexpected property (allowed: {', '.join(allowed)})"
        if not extra:
            yield parts, error.message
    elif keyword == "anyOf" and all(set(b) == {"required"} for b in value):
        options = " or ".join("/".join(map(repr, b["required"])) for b in value)
        yield parts, f"expected {options}; found none of them complete"
    elif keyword == "not" and set(value) == {"required"}:
        names = " and ".join(map(repr, value["required"]))
        yield parts, f"expected at most one of {names}; found both"
    elif keyword == "dependentRequired" and isinstance(inst, dict):
        for name, needs in value.items():
            missing = [n for n in needs if n not in inst]
            if name in inst and missing:
                yield parts, f"property {name!r} requires {' and '.join(map(repr, missing))}"
    else:
        yield parts, error.message


# --------------------------------------------------------------------------- reading files


class _NotJSON(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NotJSON(f"not valid JSON: {name} is not a JSON number")


# A \uD800-\uDFFF escape: a lone surrogate once parsed, unless paired.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_DOUBLE_DIGITS = 308  # an integer of more digits may lie beyond the largest double


def _parse(text: str) -> tuple[Any, list[tuple[dict, list[str]]], bool]:
    """json.loads that also finds duplicate keys (JSON would silently keep the last), and says
    whether the data may hold a value _report_unrepresentable should look at."""
    duplicates: list[tuple[dict, list[str]]] = []
    out_of_range: list[str] = []

    def number(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):  # 1e400: valid JSON syntax, no double holds it
            out_of_range.append(literal)
        return value

    def integer(literal: str) -> int:
        if len(literal) > _DOUBLE_DIGITS:
            out_of_range.append(literal)
        return int(literal)

    def pairs(items: list[tuple[str, Any]]) -> dict:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            dups = [k for k, _ in items if k in seen or seen.add(k)]
            duplicates.append((obj, sorted(set(dups))))
        return obj

    data = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant,
                      parse_float=number, parse_int=integer)
    suspect = bool(out_of_range) or ("\\u" in text and _SURROGATE_ESCAPE.search(text))
    return data, duplicates, bool(suspect)


def _report_unrepresentable(data: Any, sink: _Sink) -> None:
    """Values JSON text can spell but no annotation can hold: a lone surrogate (an unpaired
    \\ud800 escape; it cannot be written as UTF-8, so a converted or reported document would
    fail on output), and numbers beyond the range of a double (1e400 reads as infinity,
    a 400-digit integer cannot be compared with a float)."""
    stack: list[tuple[Any, tuple[PathPart, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        kind = type(node)
        if kind is str:
            if not node.isascii():
                bad = next((c for c in node if "\ud800" <= c <= "\udfff"), None)
                if bad is not None:
                    sink.add(parts, f"expected text in Unicode, found a lone surrogate "
                                    f"U+{ord(bad):04X} (an unpaired \\u{ord(bad):04x} escape)",
                             "json")
        elif kind is dict:
            stack.extend((v, (*parts, k)) for k, v in node.items())
        elif kind is list:
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))
        elif (kind is float and not math.isfinite(node)) or (
                kind is int and abs(node) > sys.float_info.max):
            found = f"an integer of {len(str(abs(node)))} digits" if kind is int else str(node)
            sink.add(parts, f"expected a number within the range of a double (about "
                            f"1.8e308), found {found}", "json")


def _report_duplicate_keys(data: Any, duplicates: list[tuple[dict, list[str]]],
                           sink: _Sink) -> None:
    wanted = {id(obj): keys for obj, keys in duplicates}
    stack: list[tuple[Any, tuple[PathPart, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            for key in wanted.get(id(node), ()):
                sink.add((*parts, key), "duplicate key: JSON keeps only the last value", "json")
            stack.extend((v, (*parts, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))


def _decode(raw: bytes, sink: _Sink, line: int = 1, offset: int = 0) -> str | None:
    """The text of raw bytes that start at `line` and byte `offset` of their file."""
    if offset == 0 and raw.startswith(codecs.BOM_UTF8):
        sink.add((), "starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM",
                 "json")
        raw, offset = raw[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line += raw[: exc.start].count(b"\n")
        sink.add((), f"not UTF-8: byte 0x{raw[exc.start]:02x} at line {line} "
                     f"(byte offset {offset + exc.start}) is not valid UTF-8", "json")
        return None


def _load_json(text: str, sink: _Sink, what: str) -> tuple[bool, Any]:
    """Parse one JSON text; report syntax errors with line and column. (ok, data)."""
    if not text.strip():
        sink.add((), f"empty: expected {what}", "json")
        return False, None
    try:
        data, duplicates, suspect = _parse(text)
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if sink.line is not None else \
            f"line {exc.lineno}, column {exc.colno}"
        sink.add((), f"not valid JSON: {exc.msg} at {at}", "json")
        return False, None
    except _NotJSON as exc:
        sink.add((), str(exc), "json")
        return False, None
    except ValueError as exc:  # Python reads integers of at most 4300 digits
        reason = (f"an integer of more than {sys.get_int_max_str_digits()} digits"
                  if "integer string conversion" in str(exc) else str(exc))
        sink.add((), f"not valid JSON: {reason}", "json")
        return False, None
    except RecursionError:
        sink.add((), "cannot be read: nested too deeply", "json")
        return False, None
    if duplicates:
        _report_duplicate_keys(data, duplicates, sink)
    if suspect:
        _report_unrepresentable(data, sink)
    return True, data


def load_json(text: str, what: str = "a JSON value") -> tuple[Any, list[str]]:
    """Parse JSON text from outside (an interchange file) as the validator parses documents:
    (the data, or None, and the problems, one line each, "<JSON path>: <message>"): a syntax
    error, a byte order mark, NaN or Infinity, an integer too long to read, nesting too deep,
    a duplicate key, a lone surrogate, a number beyond the range of a double."""
    sink = _Sink("")
    if text.startswith("\ufeff"):
        sink.add((), "starts with a UTF-8 byte order mark; save the file as UTF-8 without BOM",
                 "json")
        text = text[1:]
    ok, data = _load_json(text, sink, what)
    return (data if ok else None), [f"{p.path}: {p.message}" for p in sink.problems]


# --------------------------------------------------------------------------- registry


@dataclass
class _Registry:
    """The cluster registry of a folder: id -> (type, index) for entities and events."""

    file: str
    entities: dict[str, tuple[Any, int]] = field(default_factory=dict)
    events: dict[str, tuple[Any, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return "the cluster registry" if self.file == MEMORY else f"the registry {self.file}"

    @classmethod
    def from_data(cls, data: dict, file: str, sink: _Sink | None = None) -> _Registry:
        reg = cls(file)
        first: dict[str, tuple[PathPart, ...]] = {}
        for layer, table in (("entities", reg.entities), ("events", reg.events)):
            items = data.get(layer)
            for i, item in enumerate(items if isinstance(items, list) else []):
                cid = item.get("id") if isinstance(item, dict) else None
                if not isinstance(cid, str):
                    continue
                if cid in first:
                    if sink is not None:
                        sink.add((layer, i, "id"), f"duplicate cluster id {cid!r} "
                                 f"(first at {json_path(first[cid])})", "registry")
                    continue
                first[cid] = (layer, i, "id")
                table[cid] = (item.get("type"), i)
        return reg

    def unused(self) -> list[Problem]:
        """Entries no gold document uses: a warning (a stale or misspelt id)."""
        out = []
        for layer, table in (("entities", self.entities), ("events", self.events)):
            for cid, (_, index) in table.items():
                if cid not in self.used:
                    out.append(Problem(self.file, json_path((layer, index)),
                                       f"cluster {cid!r} is not used by any gold document",
                                       "warning", "registry"))
        return out


# --------------------------------------------------------------------------- corpus


@dataclass
class _Text:
    """A corpus document as the checks need it: text and the zone lookup tables."""

    doc: Document
    starts: list[int]
    unannotated_before: list[int]  # how many of zones[:i] are not annotated


Where = tuple[str, int | None, str]  # (file, JSONL line, JSON path) of an item


def _show_where(here: _Sink, where: Where) -> str:
    """`file:line:path` for a place elsewhere; the JSON path alone in the same document."""
    file, line, path = where
    if (file, line) == (here.file, here.line):
        return path
    loc = path if line is None else f"{line}:{path}"
    return loc if file == MEMORY else f"{file}:{loc}"


@dataclass
class _Facts:
    """What one document tells the checks that span documents.

    Documents are checked one by one (in any process, in any order); the cross-document
    checks then run over the facts in file order, so results never depend on how the work
    was split.
    """

    sink: _Sink
    doc_id: str | None = None
    # predicted cluster uses, in document order: (cluster id, entity or event, type, item path)
    clusters: list[tuple[str, str, str | None, tuple[PathPart, ...]]] = field(
        default_factory=list)
    used: set[str] = field(default_factory=set)  # registry ids used by a gold document
    readable: bool = True  # False: the registry's use by this document is unknown


class _RegistryRef:
    """The registry a group of documents resolves gold clusters to, read when a gold document
    first needs it (a prediction beside a clusters.json does not depend on it)."""

    def __init__(self, load: Callable[[], _Registry | None] | _Registry | None,
                 note: str, given: Any = None) -> None:
        self._load = load if callable(load) else None
        self._registry = None if callable(load) else load
        self.note = note  # why there is no registry, for gold documents
        self.given = given  # (folder, registry argument) it was made from, for a worker

    def get(self) -> _Registry | None:
        if self._load is not None:
            self._registry, self._load = self._load(), None
        return self._registry


def _problems(facts: list[_Facts]) -> list[Problem]:
    return [p for fact in facts for p in fact.sink.problems]


def _cross_document(facts: list[_Facts]) -> list[_Facts]:
    """Checks over documents checked together (a folder's .json files, one JSONL file, one
    file): each doc_id annotated once; a predicted cluster names entities or events, not
    both; its mentions should agree in type, within and across documents, but a prediction
    that mixes types is still scoreable, so that is a warning (errors are for what cannot be
    scored). Problems go to each document's sink."""
    doc_ids: dict[str, Where] = {}
    clusters: dict[str, tuple[str, str | None, Where]] = {}
    for fact in facts:
        sink = fact.sink
        if fact.doc_id is not None:
            first = doc_ids.get(fact.doc_id)
            if first is None:
                doc_ids[fact.doc_id] = sink.where(("doc_id",))
            else:
                sink.add(("doc_id",), f"doc_id {fact.doc_id!r} is annotated twice (also at "
                                      f"{_show_where(sink, first)})", "id")
        for cid, kind, itype, parts in fact.clusters:
            seen = clusters.get(cid)
            if seen is None or (seen[0] == kind and seen[1] is None):
                clusters[cid] = (kind, itype, sink.where(parts))
            elif seen[0] != kind:
                sink.add((*parts, "cluster"), f"cluster {cid!r} names {_article(seen[0])} at "
                         f"{_show_where(sink, seen[2])}, so it cannot name {_article(kind)}",
                         "cluster")
            elif itype is not None and seen[1] is not None and itype != seen[1]:
                sink.add((*parts, "type"), f"type {itype} disagrees with cluster {cid!r} "
                         f"({seen[1]} at {_show_where(sink, seen[2])})", "cluster", "warning")
    return facts


# --------------------------------------------------------------------------- the validator


def listed(path: Path) -> bool:
    """A folder entry to read as a file: a file, or a link that leads nowhere (broken, or a
    loop), which is then reported as unreadable rather than silently skipped. Anything else
    (a folder, a FIFO that would block a read) is not a document."""
    return path.is_file() or (path.is_symlink() and not path.exists())


# Below this many documents, a second process costs more than it saves.
PARALLEL_MIN_DOCUMENTS = 400


class Validator:
    """Checks annotation documents against one corpus, schema folder and ontology.

    Corpus texts and registries are read once per Validator and the schemas once per
    process; problems of a corpus file or a registry are reported once, by `take_pending`.
    `jobs` > 1 checks the documents of large folders in that many processes.
    """

    def __init__(self, corpus: Path | str | None = None, *, schemas: Path | str | None = None,
                 ontology: Ontology | None = None, accelerate: bool = True,
                 jobs: int = 1) -> None:
        self.corpus_dir = Path(corpus) if corpus is not None else corpus_dir()
        self.bundled_corpus = corpus is None
        self.schema_dir = Path(schemas) if schemas is not None else schema_dir()
        self.schemas = _schemas(self.schema_dir)
        self.accelerate = accelerate
        self.jobs = jobs
        self.ontology = ontology or load_ontology(self.schema_dir / "ontology.yaml")
        self.annotated = self.ontology.annotated_zones
        self.known_types = {"entity": frozenset(self.ontology.entity_types),
                            "event": frozenset(self.ontology.event_types)}
        self.roles = {t: self.ontology.roles(t) for t in self.ontology.event_types}
        self.files_read: set[Path] = set()
        self._texts: dict[str, _Text | None] = {}
        self._registries: dict[Path, _Registry | None] = {}
        self._folder_registries: list[_Registry] = []
        self._pending: list[Problem] = []

    def take_pending(self) -> list[Problem]:
        """Problems of corpus files and registries found since the last call."""
        out, self._pending = self._pending, []
        return out

    # ---- corpus

    def _text(self, doc_id: str) -> tuple[_Text | None, str | None]:
        """The corpus document of doc_id, or why there is none."""
        if doc_id not in self._texts:
            meta_path = self.corpus_dir / f"{doc_id}.json"
            if not meta_path.is_file():
                return None, f"unknown doc_id {doc_id!r}: no {meta_path.name} in {self.corpus_dir}"
            self._texts[doc_id] = self._read_corpus_doc(doc_id, meta_path)
        found = self._texts[doc_id]
        if found is None:
            return None, f"corpus document {doc_id!r} is unusable (see {self.corpus_dir})"
        return found, None

    def _read_corpus_doc(self, doc_id: str, meta_path: Path) -> _Text | None:
        sink = _Sink(str(meta_path))
        try:
            doc = load_document(doc_id, self.corpus_dir)
        except CorpusError as exc:
            sink.add((), str(exc).removeprefix(f"{meta_path}: "), "corpus")
            self._pending.extend(sink.problems)
            return None
        _check_corpus_metadata(doc, meta_path, self.ontology, sink)
        self._pending.extend(sink.problems)
        # Zones that do not partition the text were reported; checking spans against them
        # would only echo that problem in every document.
        broken = any(p.path.startswith("$.zones") for p in sink.problems)
        zones = doc.zones if _zones_usable(doc) and not broken else ()
        before, count = [], 0
        for zone in zones:
            before.append(count)
            count += zone.type not in self.annotated
        before.append(count)
        return _Text(doc, [z.start for z in zones], before)

    def corpus(self, doc_ids: Iterable[str] | None = None) -> list[Problem]:
        """The problems of corpus documents (default: every <doc_id>.json of the folder)."""
        if doc_ids is None:
            doc_ids = sorted(p.stem for p in self.corpus_dir.glob("*.json"))
        problems: list[Problem] = []
        for doc_id in doc_ids:
            _, why = self._text(doc_id)
            found = self.take_pending()
            if why is not None and not found:  # no file to blame: the corpus folder
                found = [Problem(str(self.corpus_dir), "$", why, check="corpus")]
            problems += found
        return problems

    # ---- registries

    def _registry_at(self, path: Path) -> _Registry | None:
        """The registry file at `path`, validated once; None when unusable."""
        key = path.absolute()
        if key not in self._registries:
            self.files_read.add(key)
            sink = _Sink(str(path))
            text = self._read(path, sink)
            ok, data = _load_json(text, sink, "the cluster registry object") \
                if text is not None else (False, None)
            self._registries[key] = self._check_registry(data, sink) if ok else None
            self._pending.extend(sink.problems)
        return self._registries[key]

    def _registry_ref(self, folder: Path, registry: Any = None) -> _RegistryRef:
        """The registry of documents in `folder`: the one given, else its clusters.json."""
        given = (folder, registry)
        if registry is not None:
            return _RegistryRef(lambda: self._given_registry(registry), "the registry is unusable",
                                given)
        path = folder / REGISTRY_NAME
        if not path.is_file():
            return _RegistryRef(None, f"no {REGISTRY_NAME} in {folder}", given)
        return _RegistryRef(lambda: self._registry_at(path), f"{path} is unusable", given)

    def _given_registry(self, registry: Any) -> _Registry | None:
        if isinstance(registry, Mapping):
            return _Registry.from_data(dict(registry), MEMORY)
        return self._registry_at(Path(registry))

    def _check_registry(self, data: Any, sink: _Sink) -> _Registry | None:
        if not isinstance(data, dict):
            sink.add((), f"expected a JSON object (the cluster registry), found {_kind(data)}",
                     "json")
            return None
        fast = self.schemas.fast.get("clusters") if self.accelerate else None
        _schema_problems(lambda: self.schemas.full("clusters"), fast, data, sink)
        return _Registry.from_data(data, sink.file, sink)

    def registry(self, data: Any, *, file: str = MEMORY) -> list[Problem]:
        """The problems of a cluster registry held in memory (schema, unique ids)."""
        sink = _Sink(file)
        self._check_registry(data, sink)
        return sink.problems

    # ---- documents

    def document(self, data: Any, *, file: str = MEMORY, line: int | None = None,
                 registry: Any = None) -> list[Problem]:
        """All problems of one annotation document held in memory.

        Gold cluster ids resolve against `registry` (a parsed clusters.json or its path);
        with the bundled corpus the bundled registry is the default.
        """
        if registry is not None:
            ref = self._registry_ref(Path(), registry)
        elif self.bundled_corpus:
            ref = self._registry_ref(annotations_dir())
        else:
            ref = _RegistryRef(None, "no cluster registry was given")
        sink = _Sink(file, line)
        _report_unrepresentable(data, sink)  # text from a file was checked as it was parsed
        facts = self._check_document(data, sink, ref, None)
        return _sorted(_problems(_cross_document([facts])) + self.take_pending())

    def _check_document(self, data: Any, sink: _Sink, registry: _RegistryRef,
                        expect_name: str | None) -> _Facts:
        facts = _Facts(sink)
        if not isinstance(data, dict):
            sink.add((), "expected a JSON object (an annotation document), "
                         f"found {_kind(data)}", "json")
            facts.readable = False
            return facts
        fast = self.schemas.fast.get("annotation") if self.accelerate else None
        try:
            bad_paths = _schema_problems(lambda: self.schemas.full("annotation"), fast, data,
                                         sink)
        except RecursionError:
            sink.add((), "nested too deeply to check", "schema")
            return facts
        _DocumentChecks(self, data, facts, registry, bad_paths).run(expect_name)
        return facts

    # ---- files and folders

    def _read(self, path: Path, sink: _Sink) -> str | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            sink.add((), f"cannot read: {exc.strerror or exc}", "json")
            return None
        return _decode(raw, sink)

    def file(self, path: Path | str, *, registry: Any = None) -> list[Problem]:
        """The problems of one file: a document (.json), documents (.jsonl, one per line)
        or the registry (clusters.json). A gold document must be named <doc_id>.json."""
        path = Path(path)
        if path.name == REGISTRY_NAME:
            self._registry_at(path)
            return self.take_pending()
        self.files_read.add(path.absolute())
        facts = self._document_file(path, self._registry_ref(path.parent, registry), False)
        return _problems(_cross_document(facts)) + self.take_pending()

    def _document_file(self, path: Path, registry: _RegistryRef,
                       in_folder: bool) -> list[_Facts]:
        """The facts (and problems) of each document of a .json or .jsonl file."""
        if path.suffix == ".jsonl":
            return self._jsonl_file(path, registry)
        sink = _Sink(str(path))
        text = self._read(path, sink)
        ok, data = _load_json(text, sink, "a JSON object (an annotation document)") \
            if text is not None else (False, None)
        if not ok:
            return [_Facts(sink, readable=False)]
        gold = isinstance(data, dict) and data.get("status") == "gold"
        return [self._check_document(data, sink, registry,
                                     path.name if in_folder or gold else None)]

    def _jsonl_file(self, path: Path, registry: _RegistryRef) -> list[_Facts]:
        """One document per line, read one line at a time: memory holds one line and the
        facts of the documents checked, never the file. A large file is checked in
        `jobs` processes, each taking a range of whole lines."""
        sink = _Sink(str(path))
        out = [_Facts(sink)]  # problems of the file as a whole (a byte order mark)
        try:
            parts = self._jsonl_in_parallel(path, registry, sink) if self.jobs > 1 else None
            facts, documents = parts if parts is not None else self._jsonl_lines(
                path, registry, sink, _LineRange(0, None, 1))
        except OSError as exc:
            sink.add((), f"cannot read: {exc.strerror or exc}", "json")
            out[0].readable = False
            return out
        if not documents:
            sink.add((), "empty: expected one JSON object (an annotation document) per line",
                     "json")
        return out + facts

    def _jsonl_lines(self, path: Path, registry: _RegistryRef, sink: _Sink, lines: _LineRange
                     ) -> tuple[list[_Facts], int]:
        """The facts of the documents on a range of lines, and how many there are."""
        out: list[_Facts] = []
        offset, documents = lines.start, 0
        with open(path, "rb") as fh:
            fh.seek(lines.start)
            # Lines end at b"\n" only (U+2028 may stand inside a JSON string); a final "\r"
            # is JSON whitespace.
            for number, raw in enumerate(fh, start=lines.first_line):
                if lines.stop is not None and offset >= lines.stop:
                    break
                at, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue  # a blank line (the trailing newline) holds no document
                documents += 1
                line_sink = _Sink(str(path), number)
                line = _decode(raw, sink if at == 0 else line_sink, number, at)
                ok, data = (_load_json(line, line_sink, "a JSON object (an annotation "
                                                        "document)")
                            if line is not None else (False, None))
                out.append(self._check_document(data, line_sink, registry, None) if ok
                           else _Facts(line_sink, readable=False))
        return out, documents

    def _jsonl_in_parallel(self, path: Path, registry: _RegistryRef, sink: _Sink
                           ) -> tuple[list[_Facts], int] | None:
        """_jsonl_lines over the whole file in `jobs` processes (None: too small a file, or
        no processes to be had). The facts come back in line order, so the cross-document
        checks and the problems are those of one process; a problem of a corpus file or of
        the registry, found in several processes, is reported once."""
        if path.stat().st_size < PARALLEL_MIN_JSONL_BYTES:
            return None
        ranges = _line_ranges(path, self.jobs * 4)
        if len(ranges) < 2:
            return None
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        settings = (str(self.corpus_dir) if not self.bundled_corpus else None,
                    str(self.schema_dir), self.accelerate)
        given = registry.given
        try:
            with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                results = list(pool.map(_check_lines, [(settings, path, given, r)
                                                       for r in ranges]))
        except (OSError, BrokenProcessPool):
            return None
        facts = [f for found, _, _, _ in results for f in found]
        for _, _, whole_file, _ in results:
            sink.problems.extend(whole_file)  # a byte order mark, found by the first range
        seen = {str(p) for p in self._pending}
        for _, _, _, pending in results:
            for problem in pending:
                if str(problem) not in seen:
                    seen.add(str(problem))
                    self._pending.append(problem)
        return facts, sum(n for _, n, _, _ in results)

    def folder(self, path: Path | str, *, allow_empty: bool = False) -> list[Problem]:
        """The problems of a folder: its clusters.json and *.json / *.jsonl documents (not
        subfolders, hidden files or other files). Documents must be named <doc_id>.json."""
        path = Path(path)
        try:
            entries = list(path.iterdir())
        except OSError as exc:
            return [Problem(str(path), "$", f"cannot read the folder: {exc.strerror or exc}",
                            check="folder")]
        docs = sorted(p for p in entries if listed(p) and not p.name.startswith(".")
                      and p.suffix in (".json", ".jsonl")
                      and p.name not in NOT_DOCUMENTS)
        ref = self._registry_ref(path)
        registry = ref.get()  # a folder's clusters.json is checked even if no gold uses it
        problems = self.take_pending()
        if not docs and not allow_empty and not listed(path / CLAIMS_NAME):
            problems.append(Problem(str(path), "$", "no annotation documents (*.json, *.jsonl) "
                                    "in this folder", check="folder"))
        self.files_read.update(doc.absolute() for doc in docs)
        results = self._map_files(docs, registry, ref.note)
        # The folder's .json documents are checked together; a JSONL file on its own.
        _cross_document([f for doc, facts, _ in results if doc.suffix == ".json" for f in facts])
        reported: set[Problem] = set()  # a corpus file's problems, once (workers may repeat)
        every: list[_Facts] = []
        for doc, facts, pending in results:
            every += facts
            if doc.suffix == ".jsonl":
                _cross_document(facts)
            problems += _problems(facts) + [p for p in pending if p not in reported]
            reported.update(pending)
        if registry is not None:
            for fact in every:
                registry.used |= fact.used
            if all(f.readable for f in every):
                self._folder_registries.append(registry)
        problems += self.claims_in(path)
        return problems

    def claims_in(self, folder: Path) -> list[Problem]:
        """The problems of the folder's claims layer (claims.json), if it has one: checked by
        palmyra.claims against the annotation documents beside it (else the bundled gold)."""
        path = folder / CLAIMS_NAME
        if not listed(path):
            return []
        from palmyra.claims import validate_claims_file  # it imports this module

        self.files_read.add(path.absolute())
        return validate_claims_file(path, corpus_dir=None if self.bundled_corpus
                                    else self.corpus_dir)

    def _map_files(self, docs: list[Path], registry: _Registry | None,
                   note: str) -> list[tuple[Path, list[_Facts], list[Problem]]]:
        """Check each file: (file, its documents' facts, corpus problems found meanwhile)."""
        if self.jobs > 1 and len(docs) >= PARALLEL_MIN_DOCUMENTS:
            from concurrent.futures import ProcessPoolExecutor
            from concurrent.futures.process import BrokenProcessPool

            size = -(-len(docs) // (self.jobs * 4))  # a few chunks per process balance load
            chunks = [docs[i:i + size] for i in range(0, len(docs), size)]
            settings = (str(self.corpus_dir) if not self.bundled_corpus else None,
                        str(self.schema_dir), self.accelerate)
            try:
                with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                    results = pool.map(_check_chunk, [(settings, registry, note, c)
                                                      for c in chunks])
                    return [item for chunk in results for item in chunk]
            except (OSError, BrokenProcessPool):
                pass  # no processes to be had here: check in this one
        ref = _RegistryRef(registry, note)
        return [(doc, self._document_file(doc, ref, True), self.take_pending()) for doc in docs]

    def unused_clusters(self) -> list[Problem]:
        """Warnings for registry entries that no gold document of the folders checked uses
        (skipped for a folder with an unreadable document: its use is unknown)."""
        out: list[Problem] = []
        for registry in {id(r): r for r in self._folder_registries}.values():
            out += registry.unused()
        return out


_worker: tuple[tuple, Validator] | None = None  # one Validator per worker process


def _check_chunk(task: tuple) -> list[tuple[Path, list[_Facts], list[Problem]]]:
    """In a worker process: check some files of a folder (see Validator._map_files)."""
    global _worker
    settings, registry, note, docs = task
    if _worker is None or _worker[0] != settings:
        corpus, schemas, accelerate = settings
        _worker = (settings, Validator(corpus, schemas=schemas, accelerate=accelerate))
    return _worker[1]._map_files(docs, registry, note)


class _LineRange(NamedTuple):
    start: int  # byte offset of the first line
    stop: int | None  # byte offset after the last line (None: the end of the file)
    first_line: int  # the number of the first line


# Below this size a JSONL file is checked in one process (~400 documents of the corpus).
PARALLEL_MIN_JSONL_BYTES = 4_000_000


def _line_ranges(path: Path, n: int) -> list[_LineRange]:
    """About n ranges of whole lines covering the file, with the number of each range's
    first line (counted in C, block by block)."""
    size = path.stat().st_size
    starts = [0]
    with open(path, "rb") as fh:
        for k in range(1, n):
            fh.seek(max(size * k // n, starts[-1]))
            fh.readline()  # to the start of the next line
            if fh.tell() >= size:
                break
            if fh.tell() > starts[-1]:
                starts.append(fh.tell())
        numbers, line = [1], 1
        fh.seek(0)
        for a, b in pairwise(starts):
            left = b - a
            while left:  # a megabyte at a time: memory stays bounded
                block = fh.read(min(left, 1 << 20))
                if not block:
                    break  # the file shrank meanwhile: its lines are checked as they are
                line += block.count(b"\n")
                left -= len(block)
            numbers.append(line)
    stops: list[int | None] = [*starts[1:], None]
    return [_LineRange(a, b, k) for a, b, k in zip(starts, stops, numbers, strict=True)]


def _check_lines(task: tuple) -> tuple[list[_Facts], int, list[Problem], list[Problem]]:
    """In a worker process: check a range of lines of a JSONL file."""
    global _worker
    settings, path, (folder, registry), lines = task
    if _worker is None or _worker[0] != settings:
        corpus, schemas, accelerate = settings
        _worker = (settings, Validator(corpus, schemas=schemas, accelerate=accelerate))
    validator = _worker[1]
    ref = validator._registry_ref(folder, registry)
    whole_file = _Sink(str(path))
    facts, documents = validator._jsonl_lines(path, ref, whole_file, lines)
    return facts, documents, whole_file.problems, validator.take_pending()


# --------------------------------------------------------------------------- corpus metadata


def _zones_usable(doc: Document) -> bool:
    return all(_is_int(z.start) and _is_int(z.end) and isinstance(z.type, str)
               for z in doc.zones)


def _check_corpus_metadata(doc: Document, meta_path: Path, ontology: Ontology,
                           sink: _Sink) -> None:
    """The corpus is consistent: name, checksum, length, zones that partition the text."""
    meta, text = doc.metadata, doc.text
    if doc.doc_id != meta_path.stem:
        sink.add(("doc_id",), f"expected {meta_path.stem!r} (the file name), "
                              f"found {doc.doc_id!r}", "corpus")
    if meta.get("sha256") != doc.sha256:
        sink.add(("sha256",), f"expected {doc.sha256} (sha256 of "
                              f"{meta_path.with_suffix('.txt').name}), found "
                              f"{_show(meta.get('sha256'), 80)}", "corpus")
    if "length" in meta and meta["length"] != len(text):
        sink.add(("length",), f"expected {len(text)} (characters in the text), "
                              f"found {_show(meta['length'])}", "corpus")
    if not doc.zones:
        sink.add(("zones",), "expected zones that partition the text, found none", "corpus")
        return
    known = set(ontology.zone_types)
    expected_start = 0
    for i, zone in enumerate(doc.zones):
        if not isinstance(zone.type, str) or zone.type not in known:
            sink.add(("zones", i, "type"), f"unknown zone type {_show(zone.type)} (expected "
                                           f"one of {', '.join(ontology.zone_types)})", "corpus")
        if not (_is_int(zone.start) and _is_int(zone.end)):
            sink.add(("zones", i), "expected integer start and end", "corpus")
            return
        if zone.start != expected_start:
            gap = zone.start - expected_start
            what = f"a gap of {gap}" if gap > 0 else f"an overlap of {-gap}"
            sink.add(("zones", i, "start"), f"expected {expected_start} (where the previous "
                     f"zone ends), found {zone.start}: {what} character(s)", "corpus")
        if zone.end <= zone.start:
            sink.add(("zones", i, "end"), f"expected an end after start {zone.start}, "
                                          f"found {zone.end}", "corpus")
        expected_start = zone.end
    if expected_start != len(text):
        sink.add(("zones", len(doc.zones) - 1, "end"), f"expected {len(text)} (the length of "
                 f"the text), found {expected_start}", "corpus")


# --------------------------------------------------------------------------- semantic checks


_KEY_OF = {"entities": ("type", "type"), "events": ("type", "type"),
           "numbers": ("kind", "kind")}


class _DocumentChecks:
    """The checks of one annotation document that a JSON Schema cannot express.

    They run after the schema, on whatever is well-typed: an item whose fields have the
    wrong type was already reported, and is skipped here rather than crashing.
    """

    def __init__(self, v: Validator, data: dict, facts: _Facts, registry: _RegistryRef,
                 bad_paths: set[str]) -> None:
        self.v, self.data, self.facts, self.bad_paths = v, data, facts, bad_paths
        self.sink, self.registry_ref = facts.sink, registry
        self.gold = data.get("status") == "gold"
        self.text: _Text | None = None
        self.ids: dict[str, tuple[str, tuple[PathPart, ...]]] = {}  # id -> (layer, path)
        self.items: dict[str, dict[str, dict]] = {layer: {} for layer in LAYERS}
        self._layers: dict[str, list[tuple[int, dict]]] = {}

    def add(self, parts: Iterable[PathPart], message: str, check: str) -> None:
        self.sink.add(parts, message, check)

    def layer(self, name: str) -> list[tuple[int, dict]]:
        """The items of a layer that are objects, with their index."""
        if name not in self._layers:
            seq = self.data.get(name)
            self._layers[name] = [(i, x) for i, x in enumerate(seq) if isinstance(x, dict)] \
                if isinstance(seq, list) else []
        return self._layers[name]

    def run(self, expect_name: str | None) -> None:
        self.check_doc_id(expect_name)
        self.collect_ids()
        self.registry = self.registry_ref.get() if self.gold else None
        if self.gold and self.registry is None and any(
                "cluster" in item for name in ("entities", "events")
                for _, item in self.layer(name)):
            self.add((), f"gold cluster ids cannot be resolved: {self.registry_ref.note}",
                     "cluster")
        self.check_entities()
        self.check_events()
        self.check_numbers()
        self.check_attributions()

    # ---- document level

    def check_doc_id(self, expect_name: str | None) -> None:
        doc_id = self.data.get("doc_id")
        if not isinstance(doc_id, str):
            return
        if not DOC_ID.fullmatch(doc_id):
            if "$.doc_id" not in self.bad_paths:
                self.add(("doc_id",), f"expected letters, digits, '_', '.', '-', found "
                                      f"{_show(doc_id)}", "corpus")
            return
        if expect_name is not None and expect_name != f"{doc_id}.json":
            self.add(("doc_id",), f"file name {expect_name} does not match doc_id {doc_id!r} "
                                  f"(expected {doc_id}.json)", "file-name")
        self.facts.doc_id = doc_id
        self.text, why = self.v._text(doc_id)
        if why is not None:
            self.add(("doc_id",), why, "corpus")

    def collect_ids(self) -> None:
        for name in LAYERS:
            for i, item in self.layer(name):
                item_id = item.get("id")
                if not isinstance(item_id, str):
                    continue
                if item_id in self.ids:
                    first = json_path(self.ids[item_id][1])
                    self.add((name, i, "id"), f"duplicate id {item_id!r} (first at {first})",
                             "id")
                    continue
                self.ids[item_id] = (name, (name, i, "id"))
                self.items[name][item_id] = item

    def resolve(self, ref: Any, layer: str, parts: tuple[PathPart, ...]) -> dict | None:
        """The item of `layer` with id `ref`, or a problem saying what `ref` is instead."""
        if not isinstance(ref, str):
            return None
        found = self.items[layer].get(ref)
        if found is None:
            what = {"entities": "entity", "events": "event", "attributions": "attribution",
                    "numbers": "number"}
            other = self.ids.get(ref)
            hint = f" ({ref!r} is {_article(what[other[0]])})" if other else ""
            self.add(parts, f"no {what[layer]} with id {ref!r} in this document{hint}",
                     "reference")
        return found

    # ---- spans

    def span(self, obj: Any, parts: tuple[PathPart, ...]) -> tuple[int, int] | None:
        """Check one span (start < end <= len(text), text equals the corpus slice, in an
        annotated zone when gold). Returns (start, end) when the offsets are usable."""
        if not isinstance(obj, dict):
            return None
        start, end, text = obj.get("start"), obj.get("end"), obj.get("text")
        if type(start) is not int or type(end) is not int:  # bool is no offset
            for key, value in (("start", start), ("end", end)):
                if isinstance(value, float) and value.is_integer():
                    self.add((*parts, key), f"expected an integer offset, found {value}", "span")
            return None
        if self.bad_paths and self.flagged(parts):
            return None  # the schema reported this span already
        if start >= end:
            self.add((*parts, "end"), f"expected an end after start {start}, found {end}",
                     "span")
            return None
        corpus = self.text
        if corpus is None:
            return start, end
        full = corpus.doc.text
        if end > len(full):
            self.add((*parts, "end"), f"expected an end <= {len(full)} (the length of the "
                                      f"text), found {end}", "span")
            return None
        if isinstance(text, str) and text != full[start:end]:
            self.span_text(full, start, end, text, parts)
        if self.gold:
            self.zone(corpus, start, end, parts)
        return start, end

    def source_holds(self, bounds: tuple[int, int], mention: dict, ref: str,
                     parts: tuple[PathPart, ...]) -> None:
        """A source span is a whole noun phrase (PARC); the mention it links to is its head,
        so it lies inside the span ("The UK-based Syrian Observatory for Human Rights")."""
        inner = (mention.get("start"), mention.get("end"))
        if not all(type(x) is int for x in inner):
            return
        if not (bounds[0] <= inner[0] and inner[1] <= bounds[1]):
            self.add(parts, f"mention {ref!r} ({inner[0]}-{inner[1]}) lies outside the source "
                            f"span {bounds[0]}-{bounds[1]}; expected a mention inside it",
                     "reference")

    def flagged(self, parts: tuple[PathPart, ...]) -> bool:
        return any(json_path((*parts, key)) in self.bad_paths for key in ("start", "end", "text"))

    def span_text(self, full: str, start: int, end: int, text: str,
                  parts: tuple[PathPart, ...]) -> None:
        expected = full[start:end]
        hint = normalization_hint(text, expected)
        if text and not hint:
            where = _nearest(full, text, start)
            hint = (f"; {_show(text)} is at {where}-{where + len(text)}" if where >= 0
                    else f"; {_show(text)} does not occur in the text")
        self.add((*parts, "text"), f"expected {_show(expected)} (text[{start}:{end}]), "
                                   f"found {_show(text)}{hint}", "span")

    def zone(self, corpus: _Text, start: int, end: int, parts: tuple[PathPart, ...]) -> None:
        """Gold annotations lie in article text: every zone the span touches is annotated."""
        first = bisect_right(corpus.starts, start) - 1
        last = bisect_right(corpus.starts, end - 1) - 1
        if first < 0 or corpus.unannotated_before[last + 1] == corpus.unannotated_before[first]:
            return
        zones = corpus.doc.zones
        bad = next(z for z in zones[first:last + 1] if z.type not in self.v.annotated)
        allowed = ", ".join(t for t in self.v.ontology.zone_types if t in self.v.annotated)
        self.add(parts, f"span {start}-{end} is in a {bad.type} zone ({bad.start}-{bad.end}); "
                        f"gold annotations lie in article text ({allowed})", "zone")

    # ---- layers

    def duplicates(self, layer: str, keyed: list[tuple[int, tuple]], what: str) -> None:
        first: dict[tuple, int] = {}
        for i, key in keyed:
            if key in first:
                self.add((layer, i), f"duplicate of {json_path((layer, first[key]))} "
                                     f"(same {what})", "duplicate")
            else:
                first[key] = i

    def check_entities(self) -> None:
        keyed = []
        for i, ent in self.layer("entities"):
            parts = ("entities", i)
            bounds = self.span(ent, parts)
            if bounds and isinstance(ent.get("type"), str):
                keyed.append((i, (*bounds, ent["type"])))
            self.cluster("entity", ent, parts)
        self.duplicates("entities", keyed, "span and type")

    def check_events(self) -> None:
        keyed = []
        for i, event in self.layer("events"):
            parts = ("events", i)
            bounds = self.span(event.get("trigger"), (*parts, "trigger"))
            etype = event.get("type")
            if bounds and isinstance(etype, str):
                keyed.append((i, (*bounds, etype)))
            self.arguments(event, parts)
            time = event.get("time")
            if isinstance(time, dict):
                self.calendar_date(time.get("value"), (*parts, "time", "value"))
                if "span" in time:
                    self.span(time["span"], (*parts, "time", "span"))
            self.cluster("event", event, parts)
        self.duplicates("events", keyed, "trigger span and type")

    def calendar_date(self, value: Any, parts: tuple[PathPart, ...]) -> None:
        """A TimeML date value the schema's pattern accepts must also exist in the calendar
        ("2016-02-30" matches YYYY-MM-DD but is no date)."""
        if not isinstance(value, str):
            return
        match = _CALENDAR_DATE.fullmatch(value)
        if match is None:
            return
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            datetime.date(year, month or 1, day or 1)
        except ValueError:
            self.add(parts, f"expected a calendar date, found {_show(value)}", "value")

    def allowed_roles(self, event_type: Any) -> list[str] | None:
        """The roles of a known event type; None for anything else (reported by the schema)."""
        return self.v.roles.get(event_type) if isinstance(event_type, str) else None

    def arguments(self, event: dict, parts: tuple[PathPart, ...]) -> None:
        args = event.get("arguments")
        if not isinstance(args, list):
            return
        roles = self.allowed_roles(event.get("type"))
        seen: dict[tuple, int] = {}
        for j, arg in enumerate(args):
            if not isinstance(arg, dict):
                continue
            here = (*parts, "arguments", j)
            role = arg.get("role")
            if roles is not None and isinstance(role, str) and role not in roles:
                self.add((*here, "role"), f"role {role!r} is not allowed for {event['type']} "
                                          f"(allowed: {', '.join(roles)})", "ontology")
            mention = self.resolve(arg.get("mention"), "entities", (*here, "mention"))
            bounds = self.span(arg, here) if "start" in arg else None
            if mention is not None and bounds is not None:
                theirs = (mention.get("start"), mention.get("end"))
                if all(map(_is_int, theirs)) and theirs != bounds:
                    self.add(here, f"span {bounds[0]}-{bounds[1]} differs from mention "
                                   f"{arg['mention']!r} ({theirs[0]}-{theirs[1]})", "reference")
            key = (_hashable(role), _hashable(arg.get("mention")), bounds)
            if key in seen:
                self.add(here, f"duplicate of argument {seen[key]} (same role and filler)",
                         "duplicate")
            else:
                seen[key] = j

    def check_numbers(self) -> None:
        keyed = []
        for i, num in self.layer("numbers"):
            parts = ("numbers", i)
            bounds = self.span(num, parts)
            if bounds and isinstance(num.get("kind"), str):
                keyed.append((i, (*bounds, num["kind"])))
            if "counted" in num:
                self.span(num["counted"], (*parts, "counted"))
            self.calendar_date(num.get("timex"), (*parts, "timex"))
            self.resolve(num.get("entity"), "entities", (*parts, "entity"))
            event = self.resolve(num.get("event"), "events", (*parts, "event"))
            role = num.get("role")
            roles = self.allowed_roles(event.get("type")) if event else None
            if roles is not None and isinstance(role, str) and role not in roles:
                self.add((*parts, "role"), f"role {role!r} is not allowed for {event['type']} "
                         f"event {num['event']!r} (allowed: {', '.join(roles)})", "ontology")
        self.duplicates("numbers", keyed, "span and kind")

    def check_attributions(self) -> None:
        keyed = []
        for i, att in self.layer("attributions"):
            parts = ("attributions", i)
            source = att.get("source")
            if isinstance(source, dict):
                bounds = self.span(source, (*parts, "source"))
                here = (*parts, "source", "mention")
                mention = self.resolve(source.get("mention"), "entities", here)
                if mention is not None and bounds is not None:
                    self.source_holds(bounds, mention, source["mention"], here)
            spans: dict[str, list] = {}
            for key in ("cue", "content"):
                seq = att.get(key)
                seq = seq if isinstance(seq, list) else []
                spans[key] = [self.span(s, (*parts, key, k)) for k, s in enumerate(seq)]
            if spans["cue"] and spans["content"] and None not in spans["cue"] + spans["content"]:
                keyed.append((i, (tuple(spans["cue"]), tuple(spans["content"]))))
            self.resolve(att.get("parent"), "attributions", (*parts, "parent"))
        self.duplicates("attributions", keyed, "cue and content spans")
        self.parent_cycles()

    def parent_cycles(self) -> None:
        """Attribution parents form a forest: follow each chain once, report each cycle once."""
        index: dict[str, int] = {}
        for i, att in self.layer("attributions"):
            aid = att.get("id")
            if isinstance(aid, str) and self.items["attributions"].get(aid) is att:
                index[aid] = i
        parent = {aid: p for aid, att in self.items["attributions"].items()
                  if isinstance(p := att.get("parent"), str)}
        done: set[str] = set()
        for start in index:
            chain: dict[str, None] = {}  # ordered set: the chain followed from `start`
            node: str | None = start
            while node is not None and node not in done and node not in chain:
                chain[node] = None
                node = parent.get(node)
            if node is not None and node in chain:
                cycle = list(chain)[list(chain).index(node):]
                head = min(cycle, key=index.__getitem__)
                at = cycle.index(head)
                ring = [*cycle[at:], *cycle[:at], head]
                self.add(("attributions", index[head], "parent"),
                         f"attribution parents form a cycle: {' -> '.join(ring)}", "cycle")
            done.update(chain)

    # ---- clusters

    def cluster(self, kind: str, item: dict, parts: tuple[PathPart, ...]) -> None:
        cid, itype = item.get("cluster"), item.get("type")
        if not isinstance(cid, str):
            return
        if not isinstance(itype, str) or itype not in self.v.known_types[kind]:
            itype = None  # an unknown type was reported by the schema; compare no further
        if not self.gold:  # predicted clusters agree among themselves: _cross_document
            self.facts.clusters.append((cid, kind, itype, parts))
        elif self.registry is not None:
            self.registered(kind, cid, itype, self.registry, parts)

    def registered(self, kind: str, cid: str, itype: Any, registry: _Registry,
                   parts: tuple[PathPart, ...]) -> None:
        table, other = ((registry.entities, registry.events) if kind == "entity"
                        else (registry.events, registry.entities))
        if cid in table:
            self.facts.used.add(cid)
            rtype = table[cid][0]
            known = self.v.known_types[kind]
            if itype is not None and isinstance(rtype, str) and rtype in known and itype != rtype:
                self.add((*parts, "type"), f"type {itype} disagrees with cluster {cid!r} "
                                           f"({rtype} in the registry)", "cluster")
        elif cid in other:
            otherkind = "event" if kind == "entity" else "entity"
            self.add((*parts, "cluster"), f"cluster {cid!r} is {_article(otherkind)} cluster in "
                     f"the registry, expected {_article(kind)} cluster", "cluster")
        else:
            self.add((*parts, "cluster"), f"cluster {cid!r} is not in {registry.label}",
                     "cluster")


def _hashable(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else _show(value)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _nearest(full: str, needle: str, near: int) -> int:
    """The occurrence of needle closest to offset `near`, or -1."""
    best, pos = -1, full.find(needle)
    while pos >= 0:
        if best < 0 or abs(pos - near) < abs(best - near):
            best = pos
        if pos > near:
            break
        pos = full.find(needle, pos + 1)
    return best


# --------------------------------------------------------------------------- entry points


def validate_document(data: Any, *, corpus_dir: Path | str | None = None,
                      registry: Mapping | Path | str | None = None,
                      file: str = MEMORY) -> list[Problem]:
    """The problems of one annotation document held in memory (e.g. a parsed prediction).

    Gold cluster ids resolve against `registry` (a parsed clusters.json or its path); with
    the bundled corpus the bundled registry is the default.
    """
    return Validator(corpus_dir).document(data, file=file, registry=registry)


def validate_file(path: Path | str, *, corpus_dir: Path | str | None = None,
                  registry: Mapping | Path | str | None = None) -> list[Problem]:
    """The problems of one file: a document, a .jsonl of documents, or clusters.json."""
    return _sorted(Validator(corpus_dir).file(path, registry=registry))


def validate_folder(path: Path | str, *, corpus_dir: Path | str | None = None,
                    jobs: int = 1) -> list[Problem]:
    """The problems of a folder of annotation documents and its clusters.json."""
    validator = Validator(corpus_dir, jobs=jobs)
    return _sorted(validator.folder(path) + validator.unused_clusters())


def validate_corpus(corpus_dir: Path | str | None = None) -> list[Problem]:
    """The problems of a corpus folder: each document's metadata against its text."""
    return _sorted(Validator(corpus_dir).corpus())


def validate_paths(paths: Iterable[Path | str], *, corpus_dir: Path | str | None = None,
                   recursive: bool = False, accelerate: bool = True, jobs: int = 1) -> Report:
    """Files and folders, as the CLI takes them. With `recursive`, subfolders are checked as
    folders of their own (an empty one is no problem there). `jobs` > 1 checks the documents
    of a large folder in that many processes; the problems are the same."""
    validator = Validator(corpus_dir, accelerate=accelerate, jobs=jobs)
    problems: list[Problem] = []
    for path in map(Path, paths):
        if not path.is_dir():
            problems += validator.file(path)
            continue
        problems += validator.folder(path)
        if recursive:
            for sub in sorted(p for p in path.rglob("*") if p.is_dir()):
                if not any(part.startswith(".") for part in sub.relative_to(path).parts):
                    problems += validator.folder(sub, allow_empty=True)
    problems += validator.unused_clusters() + validator.take_pending()
    return Report(_sorted(problems), len(validator.files_read))


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file (in the order files were read), then by line and path."""
    order: dict[str, int] = {}
    for p in problems:
        order.setdefault(p.file, len(order))
    return sorted(problems, key=lambda p: (order[p.file], p.line or 0, _natural_key(p.path)))


__all__ = ["CLAIMS_NAME", "MEMORY", "REGISTRY_NAME", "Problem", "Report", "Validator",
           "accelerated", "json_path", "listed", "load_json", "validate_corpus",
           "validate_document", "validate_file", "validate_folder", "validate_paths"]
