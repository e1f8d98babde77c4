"""The packaged documents: verbatim text, metadata and zones, with checksums."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from palmyra.paths import corpus_dir


@dataclass(frozen=True)
class Zone:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """One corpus document. `text` is the seed file decoded as UTF-8, unchanged."""

    doc_id: str
    text: str
    metadata: dict
    zones: tuple[Zone, ...] = field(default=())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def zone_at(self, offset: int) -> Zone | None:
        """The zone containing character `offset` (zones partition the text)."""
        i = bisect_right([z.start for z in self.zones], offset) - 1
        if i >= 0 and self.zones[i].start <= offset < self.zones[i].end:
            return self.zones[i]
        return None

    def in_zones(self, start: int, end: int, zone_types: frozenset[str]) -> bool:
        """True when the span [start, end) starts in a zone of one of `zone_types`."""
        zone = self.zone_at(start)
        return zone is not None and zone.type in zone_types


def normalization_hint(found: str, expected: str) -> str:
    """A note for a span text that differs from the corpus text only in its Unicode
    normalization ("e" + U+0301 against "\u00e9"): the two print alike, and offsets count the
    code points of the corpus text as it is, which palmyra never normalizes."""
    if found == expected or unicodedata.normalize("NFC", found) != \
            unicodedata.normalize("NFC", expected):
        return ""
    return ("; equal only after Unicode normalization: give the text (and count offsets) "
            "in code points of the corpus text as it is, unnormalized")


DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class CorpusError(Exception):
    """The corpus folder is unusable (missing, unreadable, or inconsistent)."""


def _read_document(meta_path: Path) -> Document:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        text = meta_path.with_suffix(".txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{meta_path}: cannot read document: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("doc_id"), str):
        raise CorpusError(f"{meta_path}: expected an object with a string 'doc_id'")
    try:
        zones = tuple(Zone(z["type"], z["start"], z["end"]) for z in meta.get("zones", []))
    except (KeyError, TypeError):
        # A malformed zone list is bad data: a clear error, not a KeyError traceback.
        raise CorpusError(f"{meta_path}: $.zones: expected a list of objects with "
                          "'type', 'start' and 'end'") from None
    return Document(meta["doc_id"], text, meta, zones)


def load_corpus(directory: Path | str | None = None) -> dict[str, Document]:
    """All documents of a corpus folder (`<doc_id>.json` metadata beside `<doc_id>.txt`)."""
    directory = Path(directory) if directory is not None else corpus_dir()
    if not directory.is_dir():
        raise CorpusError(f"{directory}: corpus folder not found")
    docs = [_read_document(p) for p in sorted(directory.glob("*.json"))]
    if not docs:
        raise CorpusError(f"{directory}: no documents (<doc_id>.json + <doc_id>.txt) found")
    return {d.doc_id: d for d in docs}


class CorpusFolder(Mapping[str, Document]):
    """The documents of a corpus folder, each read when first used: converting a few
    documents of a corpus of 100,000 reads those few, not the whole folder. A document that
    cannot be read raises CorpusError when it is used."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else corpus_dir()
        if not self.directory.is_dir():
            raise CorpusError(f"{self.directory}: corpus folder not found")
        self._docs: dict[str, Document] = {}
        self._names: list[str] | None = None

    def __contains__(self, doc_id: object) -> bool:
        # A doc_id names a file: anything that could leave the folder is no document.
        return (isinstance(doc_id, str) and DOC_ID.fullmatch(doc_id) is not None
                and ".." not in doc_id and (self.directory / f"{doc_id}.json").is_file())

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._docs:
            if doc_id not in self:
                raise KeyError(doc_id)
            self._docs[doc_id] = load_document(doc_id, self.directory)
        return self._docs[doc_id]

    def __iter__(self) -> Iterator[str]:
        if self._names is None:
            self._names = sorted(p.stem for p in self.directory.glob("*.json")
                                 if p.stem in self)
        return iter(self._names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def load_document(doc_id: str, directory: Path | str | None = None) -> Document:
    directory = Path(directory) if directory is not None else corpus_dir()
    if not DOC_ID.fullmatch(doc_id) or ".." in doc_id:
        raise CorpusError(f"invalid doc_id {doc_id!r}: expected letters, digits, '_', '.', '-'")
    meta_path = directory / f"{doc_id}.json"
    if not meta_path.is_file():
        raise CorpusError(f"{directory}: no document {doc_id!r}")
    return _read_document(meta_path)
