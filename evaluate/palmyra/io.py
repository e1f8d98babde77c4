"""Reading sets of annotation documents (gold or predictions) for scoring.

A set is either a folder of `<doc_id>.json` files (clusters.json, other files and subfolders
are ignored) or one JSONL file with one annotation document per line. Every file is checked
with palmyra.validate before anything is scored (`check_files`); problems come back as one
line each (file, JSON path or line, what was expected, what was found) in an InputError,
never as a traceback. Nothing read is modified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from palmyra.annotations import LAYERS, AnnotationDocument, dumps
from palmyra.corpus import Document
from palmyra.paths import REGISTRY_FILE, is_document_file

CLUSTERS_FILE = REGISTRY_FILE


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


# --- checking ------------------------------------------------------------------------------

def check_files(paths: Sequence[Path], corpus_dir: Path | None = None, jobs: int = 1
                ) -> list[str]:
    """The errors of annotation files (<doc_id>.json documents or JSONL files), one line
    each ("<file>:[<line>:]<JSON path>: <what was expected, what was found>").

    This is the single place where the harness validates input: palmyra.validate checks the
    JSON Schema, doc_ids the corpus knows, spans against the corpus text, references between
    items and gold cluster ids (against the folder's clusters.json, else the bundled one).
    Warnings do not stop scoring. corpus_dir None is the bundled corpus. Files are checked
    one by one, so `jobs` > 1 checks many files in that many processes (a JSONL file stays
    in one, which checks a large JSONL file in ranges of lines); the lines are the same, in
    the same order."""
    shards = min(jobs, len(paths) // PARALLEL_MIN_FILES)
    if shards > 1:
        found = _check_in_parallel(list(paths), corpus_dir, shards)
        if found is not None:
            return found
    return _check_chunk((corpus_dir, list(paths), jobs))


# Below this many files per process, starting processes costs more than it saves.
PARALLEL_MIN_FILES = 200


def _check_chunk(task: tuple[Path | None, list[Path], int]) -> list[str]:
    """The errors of some files (also run in a worker process, with jobs 1)."""
    from palmyra.paths import annotations_dir
    from palmyra.validate import Validator

    corpus_dir, paths, jobs = task
    validator = Validator(corpus_dir, jobs=jobs)
    out: list[str] = []
    for path in paths:
        registry = path.parent / CLUSTERS_FILE
        if not registry.is_file():
            registry = annotations_dir() / CLUSTERS_FILE
        out += [str(p) for p in validator.file(path, registry=registry)
                if p.severity == "error"]
    return out


def _check_in_parallel(paths: list[Path], corpus_dir: Path | None, jobs: int
                       ) -> list[str] | None:
    """check_files in `jobs` processes, a few contiguous chunks each (None when processes
    cannot be had here)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = -(-len(paths) // (jobs * 4))
    chunks = [(corpus_dir, paths[i:i + size], 1) for i in range(0, len(paths), size)]
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return [line for found in pool.map(_check_chunk, chunks) for line in found]
    except (OSError, BrokenProcessPool):
        return None


# --- reading sets ------------------------------------------------------------------------

def _parse(raw: bytes, source: str) -> AnnotationDocument:
    """A document that check_files accepted (read again: a file that changed in between is
    reported, not a traceback)."""
    try:
        return AnnotationDocument.from_dict(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError([f"{source}: changed while being read; run again"]) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError([f"{path}: cannot read: {exc.strerror or exc}"]) from None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of a JSONL file, one line at a time: memory holds one line, never
    the file. Lines end at b"\n" only, as the validator reads them."""
    try:
        with open(path, "rb") as fh:
            yield from enumerate(fh, start=1)
    except OSError as exc:
        raise InputError([f"{path}: cannot read: {exc.strerror or exc}"]) from None


def _skeleton(doc: AnnotationDocument) -> AnnotationDocument:
    """A document without its items: which layers it has, all the scoring needs of a
    prediction that is not scored (documents.not_in_gold, layers predicted)."""
    return AnnotationDocument(doc.doc_id, doc.status, *(
        () if getattr(doc, layer) is not None else None for layer in LAYERS))


def _folder_files(folder: Path) -> list[Path]:
    """The <doc_id>.json files of a folder, in name order (clusters.json, hidden files,
    other files and subfolders are not part of the set; a link that leads nowhere is listed,
    to be reported as unreadable)."""
    from palmyra.validate import listed

    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise InputError([f"{folder}: cannot read the folder: {exc.strerror or exc}"]) from None
    return sorted(p for p in entries if p.suffix == ".json" and listed(p)
                  and is_document_file(p))


def _corpus_folder(corpus: Path | str | Mapping[str, Document] | None) -> Path | None:
    """The corpus folder to validate against (None: the bundled corpus). A corpus given as
    loaded documents is accepted when it is the bundled corpus, text for text: the
    validator reads texts from a folder."""
    if not isinstance(corpus, Mapping):
        return Path(corpus) if corpus is not None else None
    from palmyra.corpus import load_corpus

    bundled = {d: doc.sha256 for d, doc in load_corpus().items()}
    if {d: doc.sha256 for d, doc in corpus.items()} != bundled:
        raise UsageError(["documents read from files are validated against a corpus folder: "
                          "give the corpus as a folder"])
    return None


def read_documents(path: Path | str,
                   corpus_dir: Path | str | Mapping[str, Document] | None = None, *,
                   what: str = "predictions", keep: Container[str] | None = None,
                   jobs: int = 1) -> DocumentSet:
    """Read and check a folder of `<doc_id>.json` files, one `.json` document or a JSONL
    file (`.jsonl`, one document per line) against a corpus folder (None: the bundled
    corpus; the bundled corpus loaded as documents also works).

    A JSONL file is read one line at a time (twice: checked, then parsed) and hashed as it
    is read, so memory holds the documents kept, never the file. `keep`: the doc_ids whose
    items are needed (the gold's, when reading predictions); any other document is checked
    like the rest, then kept without its items (which layers it has), so that a prediction
    set far larger than the gold costs little memory. None keeps every document whole.
    jobs: processes that check the files of a folder (check_files).

    Raises UsageError for a path that does not exist, InputError listing every problem
    (invalid JSON, schema violations, unknown doc_ids, spans that do not match the corpus
    text, a file name that is not its doc_id, a doc_id given twice)."""
    path = Path(path)
    corpus = _corpus_folder(corpus_dir)
    if path.is_dir():
        files = _folder_files(path)
        if not files:
            raise InputError([f"{path}: no annotation documents (<doc_id>.json) found "
                              f"({what})"])
    elif path.is_file():
        files = [path]
    else:
        raise UsageError([f"{path}: no such file or folder ({what})"])
    problems = check_files(files, corpus, jobs)
    if problems:
        raise InputError(problems)
    sha = hashlib.sha256()  # of the bytes parsed, file after file
    docs: dict[str, AnnotationDocument] = {}
    for f in files:
        if path.is_dir() or f.suffix != ".jsonl":  # one document per .json file
            raw = _read_bytes(f)
            sha.update(raw)
            data: Iterable[tuple[str, AnnotationDocument]] = [(str(f), _parse(raw, str(f)))]
        else:
            data = _parsed_lines(f, sha)
        for source, doc in data:
            if path.is_dir() and doc.doc_id != f.stem:
                problems.append(f"{source}:$.doc_id: expected {f.stem!r} (the file name), "
                                f"found {doc.doc_id!r}")
            elif doc.doc_id in docs:
                problems.append(f"{source}:$.doc_id: {doc.doc_id!r} is given twice")
            else:
                docs[doc.doc_id] = doc if keep is None or doc.doc_id in keep else _skeleton(doc)
    if problems:
        raise InputError(problems)
    return DocumentSet(docs, sha.hexdigest(), str(path))


def _parsed_lines(path: Path, sha: Any) -> Iterator[tuple[str, AnnotationDocument]]:
    """The documents of a JSONL file, parsed one line at a time; every byte goes to `sha`."""
    for n, line in _lines(path):
        sha.update(line)
        if line.strip():
            yield f"{path}:{n}", _parse(line, f"{path}:{n}")


def read_gold(path: Path | str | None, corpus_dir: Path | str | None = None, jobs: int = 1
              ) -> DocumentSet:
    """The gold set: `path`, or the bundled annotations when None."""
    from palmyra.paths import annotations_dir

    return read_documents(annotations_dir() if path is None else path, corpus_dir, what="gold",
                          jobs=jobs)
