"""Reading sets of annotation documents (gold or predictions) for scoring.

A set is either a folder of `<doc_id>.json` files (clusters.json, other files and subfolders
are ignored) or one JSONL file with one annotation document per line. Every document is
checked before anything is scored (`check_document`); problems come back as one line each
(file, JSON path or item id, what was expected, what was found) in an InputError, never as a
traceback. Nothing read is modified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from palmyra.annotations import AnnotationDocument, dumps
from palmyra.corpus import Document

CLUSTERS_FILE = "clusters.json"


class InputError(Exception):
    """Input that cannot be scored. `problems` holds one line per problem."""

    exit_code = 1

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class UsageError(InputError):
    """A path or an option that cannot be used (the command line exits 2)."""

    exit_code = 2


class DocumentSet:
    """Documents by doc_id, where they came from, and the sha256 of the bytes read.

    The hash may be given as a function, computed on first use: hashing the canonical text
    of a large set given in memory costs more than scoring it, and only the gold's hash is
    ever needed (for the signature)."""

    def __init__(self, docs: dict[str, AnnotationDocument], sha256: str | Callable[[], str],
                 source: str) -> None:
        self.docs = docs
        self.source = source
        self._sha256 = sha256

    @property
    def sha256(self) -> str:
        if callable(self._sha256):
            self._sha256 = self._sha256()
        return self._sha256


def digest(chunks: Iterable[bytes]) -> str:
    """sha256 of the concatenated chunks (for a folder: its files' bytes in name order, so
    that `cat <folder>/*.json | sha256sum` gives the same hex, clusters.json left out)."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def from_mapping(docs: Mapping[str, AnnotationDocument], source: str = "<mapping>",
                 ) -> DocumentSet:
    """A set given in memory. Its hash covers the canonical JSON text of each document in
    the order of the file names a folder would have (`<doc_id>.json`), so writing the set
    out with palmyra.annotations.dump gives a folder with the same hash."""
    problems = [f"{source}: key {key!r}: expected the document's doc_id, found {doc.doc_id!r}"
                for key, doc in docs.items() if key != doc.doc_id]
    if problems:
        raise InputError(problems)
    docs = dict(docs)

    def canonical() -> str:
        names = sorted(docs, key=lambda d: f"{d}.json")
        return digest(dumps(docs[d]).encode("utf-8") for d in names)

    return DocumentSet(docs, canonical, source)


# --- checking one document -----------------------------------------------------------------

@cache
def _schema_validator() -> Any:
    from jsonschema import Draft202012Validator

    from palmyra.paths import schema_dir

    schema = json.loads((schema_dir() / "annotation.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _spans(data: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every span of a schema-valid document, with its JSON path."""
    for i, entity in enumerate(data.get("entities", [])):
        yield f"$.entities[{i}]", entity
    for i, event in enumerate(data.get("events", [])):
        yield f"$.events[{i}].trigger", event["trigger"]
        for j, arg in enumerate(event.get("arguments", [])):
            if "start" in arg:
                yield f"$.events[{i}].arguments[{j}]", arg
        if "span" in event.get("time", {}):
            yield f"$.events[{i}].time.span", event["time"]["span"]
    for i, number in enumerate(data.get("numbers", [])):
        yield f"$.numbers[{i}]", number
        if "counted" in number:
            yield f"$.numbers[{i}].counted", number["counted"]
    for i, attribution in enumerate(data.get("attributions", [])):
        if "source" in attribution:
            yield f"$.attributions[{i}].source", attribution["source"]
        for part in ("cue", "content"):
            for j, span in enumerate(attribution[part]):
                yield f"$.attributions[{i}].{part}[{j}]", span


def _span_problems(data: Mapping[str, Any], text: str) -> Iterator[str]:
    for path, span in _spans(data):
        start, end, found = span["start"], span["end"], span["text"]
        if start >= end or end > len(text):
            yield (f"{path}: expected 0 <= start < end <= {len(text)} (the text length), "
                   f"found start={start}, end={end}")
        elif text[start:end] != found:
            yield (f"{path}: expected text {text[start:end]!r} (corpus text[{start}:{end}]), "
                   f"found {found!r}")


def _id_problems(data: Mapping[str, Any]) -> Iterator[str]:
    """Duplicate ids and references to ids that the document does not define."""
    ids: dict[str, set[str]] = {}
    for layer in ("entities", "events", "numbers", "attributions"):
        seen: set[str] = set()
        for i, item in enumerate(data.get(layer, [])):
            if "id" in item:
                if item["id"] in seen:
                    yield f"$.{layer}[{i}].id: id {item['id']!r} is used twice in {layer}"
                seen.add(item["id"])
        ids[layer] = seen

    def ref(path: str, value: str, layer: str) -> Iterator[str]:
        if value not in ids[layer]:
            yield f"{path}: expected the id of an item of {layer}, found {value!r}"

    for i, event in enumerate(data.get("events", [])):
        for j, arg in enumerate(event.get("arguments", [])):
            if "mention" in arg:
                yield from ref(f"$.events[{i}].arguments[{j}].mention", arg["mention"],
                               "entities")
    for i, number in enumerate(data.get("numbers", [])):
        if "entity" in number:
            yield from ref(f"$.numbers[{i}].entity", number["entity"], "entities")
        if "event" in number:
            yield from ref(f"$.numbers[{i}].event", number["event"], "events")
    for i, attribution in enumerate(data.get("attributions", [])):
        if "mention" in attribution.get("source", {}):
            yield from ref(f"$.attributions[{i}].source.mention",
                           attribution["source"]["mention"], "entities")
        if "parent" in attribution:
            yield from ref(f"$.attributions[{i}].parent", attribution["parent"], "attributions")


def check_document(data: Any, source: str, corpus: Mapping[str, Document]) -> list[str]:
    """The problems of one parsed annotation document, one line each ("<source>: <JSON
    path>: expected ..., found ..."), or [] when it can be scored.

    Checks: the JSON Schema (schema/annotation.schema.json), a doc_id that the corpus knows,
    spans inside the text whose `text` equals the corpus text, unique ids and references to
    ids that exist. This function is the single place where the harness validates input."""
    schema_errors = sorted(_schema_validator().iter_errors(data),
                           key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if schema_errors:
        return [f"{source}: {e.json_path}: {e.message}" for e in schema_errors]
    doc = corpus.get(data["doc_id"])
    if doc is None:
        return [f"{source}: $.doc_id: unknown doc_id {data['doc_id']!r} (not in the corpus)"]
    found = [*_span_problems(data, doc.text), *_id_problems(data)]
    return [f"{source}: {p}" for p in found]


# --- reading sets ------------------------------------------------------------------------

def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parse(raw: bytes, source: str) -> tuple[Any, str | None]:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant), None
    except UnicodeDecodeError as exc:
        return None, f"{source}: expected UTF-8, found byte {raw[exc.start]:#04x} at {exc.start}"
    except json.JSONDecodeError as exc:
        return None, f"{source}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
    except ValueError as exc:
        return None, f"{source}: invalid JSON: {exc}"


def _folder_items(folder: Path) -> Iterator[tuple[str, bytes, str | None]]:
    """(source, bytes, expected doc_id) for each <doc_id>.json of a folder, in name order."""
    for path in sorted(folder.glob("*.json")):
        if path.name == CLUSTERS_FILE or not path.is_file():
            continue
        yield str(path), _read_bytes(path), path.stem


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError([f"{path}: cannot read: {exc.strerror or exc}"]) from None


def _jsonl_items(path: Path, raw: bytes) -> Iterator[tuple[str, bytes, str | None]]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            yield f"{path}:{number}", line, None


def read_documents(path: Path | str, corpus: Mapping[str, Document], *,
                   what: str = "predictions") -> DocumentSet:
    """Read and check a folder of `<doc_id>.json` files or a JSONL file.

    Raises UsageError for a path that does not exist, InputError listing every problem
    (invalid JSON, schema violations, unknown doc_ids, spans that do not match the corpus
    text, a file name that is not its doc_id, a doc_id given twice)."""
    path = Path(path)
    chunks: list[bytes] = []  # the bytes read, in order, for the set's hash
    if path.is_dir():
        items = _folder_items(path)
    elif path.is_file():
        chunks.append(_read_bytes(path))
        items = _jsonl_items(path, chunks[0])
    else:
        raise UsageError([f"{path}: no such file or folder ({what})"])
    docs: dict[str, AnnotationDocument] = {}
    problems: list[str] = []
    for source, raw, expected in items:
        if expected is not None:
            chunks.append(raw)
        data, error = _parse(raw, source)
        found = [error] if error else check_document(data, source, corpus)
        if found:
            problems += found
            continue
        doc_id = data["doc_id"]
        if expected is not None and doc_id != expected:
            problems.append(f"{source}: $.doc_id: expected {expected!r} (the file name), "
                            f"found {doc_id!r}")
        elif doc_id in docs:
            problems.append(f"{source}: $.doc_id: {doc_id!r} is given twice")
        else:
            docs[doc_id] = AnnotationDocument.from_dict(data)
    if not problems and not docs:
        problems.append(f"{path}: no annotation documents found ({what}: a folder of "
                        "<doc_id>.json files or a JSONL file)")
    if problems:
        raise InputError(problems)
    return DocumentSet(docs, digest(chunks), str(path))


def read_gold(path: Path | str | None, corpus: Mapping[str, Document]) -> DocumentSet:
    """The gold set: `path`, or the bundled annotations when None."""
    from palmyra.paths import annotations_dir

    return read_documents(annotations_dir() if path is None else path, corpus, what="gold")
