"""Running an extractor over corpus documents: one prediction file per document, written
atomically as soon as it is ready, and a run manifest, so that an interrupted run loses at
most the document in flight and `resume=True` finishes it.

The output folder holds `<doc_id>.json` (a validated annotation document each) and
`run.json`, the manifest: the extractor's SPEC, its options (values of secret-looking keys
redacted), the palmyra version, start and finish times (UTC), the run's status and, per
document, its status and seconds. The manifest is rewritten atomically after every
document.

Document statuses: `done` (predicted and written by this run), `kept` (a valid prediction
from an earlier run, not predicted again), `failed` (the extractor raised or returned an
invalid document; with keep_going the run goes on without it), `interrupted` (the document
in flight when the run was stopped). Run statuses: `running`, `complete`, `incomplete`
(some documents failed), `failed`, `interrupted`.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from palmyra import __version__
from palmyra.annotations import SCHEMA_VERSION, AnnotationDocument, dump, write_atomic
from palmyra.corpus import Document
from palmyra.extractors import Extractor, redact, slug
from palmyra.io import InputError, UsageError, check_files
from palmyra.paths import MANIFEST_FILE, is_document_file

MANIFEST = MANIFEST_FILE
MANIFEST_VERSION = 1


class RunError(InputError):
    """The extractor failed on a document (it raised, or returned an invalid document) and
    the run stopped there; the command line exits 1."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_output_dir(spec: str, root: Path | None = None, now: datetime | None = None
                       ) -> Path:
    """`runs/<spec-slug>-<UTC timestamp>/` under `root` (default: the current folder); a
    numeric suffix keeps two runs started in the same second apart."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    base = (root or Path.cwd()) / "runs" / f"{slug(spec)}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


# --- progress --------------------------------------------------------------------------------

class Progress:
    """"documents done/total, rate, ETA" on one line of a terminal, rewritten in place.
    Silent when the stream is not a terminal (a log file, a pipe, CI)."""

    def __init__(self, total: int, stream: TextIO | None = None,
                 enabled: bool | None = None, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.clock = total, clock
        self.started = clock()
        self.done = 0  # documents predicted by this run (the rate counts these only)
        self.skipped = 0
        self._width = 0

    def line(self, current: str = "") -> str:
        finished = self.done + self.skipped
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        remaining = self.total - finished
        eta = _clock_time(remaining / rate) if rate > 0 else "--:--"
        pct = 100 * finished // self.total if self.total else 100
        text = f"{finished}/{self.total} documents ({pct}%), {rate:.1f} doc/s, ETA {eta}"
        return f"{text}  {current}".rstrip()

    def update(self, *, done: int = 0, skipped: int = 0, current: str = "") -> None:
        self.done += done
        self.skipped += skipped
        if self.enabled:
            text = self.line(current)
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()


def _clock_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- results -----------------------------------------------------------------------------

@dataclass
class RunSummary:
    output_dir: Path
    status: str
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # doc_id -> why
    seconds: float = 0.0

    @property
    def manifest(self) -> Path:
        return self.output_dir / MANIFEST


def normalize(result: Any, doc: Document) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON form of an extractor's result, with schema_version, doc_id and status
    filled in when missing, or why it cannot be one. The JSON text is parsed back, so what
    is validated is exactly what will be written (no NaN, tuples become lists)."""
    if isinstance(result, AnnotationDocument):
        data: Any = result.to_dict()
    elif isinstance(result, Mapping):
        data = dict(result)
    else:
        return None, (f"returned {type(result).__name__}, expected an annotation document "
                      "(a dict or palmyra.annotations.AnnotationDocument)")
    data.setdefault("schema_version", SCHEMA_VERSION)
    data.setdefault("doc_id", doc.doc_id)
    data.setdefault("status", "prediction")
    if data["doc_id"] != doc.doc_id:
        return None, f"$.doc_id: expected {doc.doc_id!r}, found {data['doc_id']!r}"
    try:
        return json.loads(json.dumps(data, allow_nan=False, ensure_ascii=False)), None
    except (TypeError, ValueError) as exc:
        return None, f"not JSON: {exc}"


# --- the run -------------------------------------------------------------------------------

class _Run:
    """The state of one run: its manifest and what has happened to each document."""

    def __init__(self, output_dir: Path, spec: str, options: Mapping[str, str],
                 corpus_dir: Path | None) -> None:
        from palmyra.validate import Validator

        self.dir = output_dir
        self.spec = spec
        self.validator = Validator(corpus_dir)
        self.manifest: dict[str, Any] = {
            "manifest_version": MANIFEST_VERSION, "spec": spec, "options": redact(options),
            "palmyra_version": __version__,
            "corpus": str(corpus_dir) if corpus_dir is not None else "bundled",
            "started": utc_now(), "finished": None, "status": "running", "documents": {}}
        self.summary = RunSummary(output_dir, "running")

    def record(self, doc_id: str, status: str, seconds: float | None,
               error: str | None = None) -> None:
        entry: dict[str, Any] = {"status": status,
                                 "seconds": round(seconds, 6) if seconds is not None else None}
        if error is not None:
            entry["error"] = error
        self.manifest["documents"][doc_id] = entry
        self.save()

    def save(self) -> None:
        write_atomic(self.dir / MANIFEST, json.dumps(self.manifest, indent=2,
                                                     ensure_ascii=False) + "\n")

    def finish(self, status: str) -> None:
        self.manifest["status"] = status
        self.manifest["finished"] = utc_now()
        self.summary.status = status
        self.save()

    def problems(self, data: dict[str, Any], doc_id: str) -> list[str]:
        return [f"{p.location}: {p.message}" for p in
                self.validator.document(data, file=f"{self.spec}:{doc_id}")
                if p.severity == "error"]

    def existing(self, doc_id: str) -> bool:
        """A valid prediction for doc_id is already in the folder (resume keeps it)."""
        path = self.dir / f"{doc_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (isinstance(data, dict) and data.get("doc_id") == doc_id
                and not self.problems(data, doc_id))


def _prepare(output_dir: Path, spec: str, options: Mapping[str, str], resume: bool
             ) -> dict[str, Any] | None:
    """Check the folder before any work; return the earlier manifest when resuming."""
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError([f"{output_dir}: exists and is not a folder (--output-dir)"])
    files = _prediction_files(output_dir) if output_dir.is_dir() else []
    if not resume:
        if files:
            raise UsageError([f"{output_dir}: already holds {len(files)} prediction file(s); "
                              "continue that run with --resume, or choose another "
                              "--output-dir"])
        return None
    try:
        earlier = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UsageError([f"{output_dir / MANIFEST}: cannot read the run manifest: {exc}"]
                         ) from None
    if not isinstance(earlier, dict):
        raise UsageError([f"{output_dir / MANIFEST}: expected a JSON object (run manifest)"])
    theirs = (earlier.get("spec"), earlier.get("options"))
    if theirs != (spec, redact(options)):
        raise UsageError([f"{output_dir / MANIFEST}: the folder holds a run of "
                          f"{theirs[0]!r} with options {theirs[1]!r}; --resume needs the "
                          f"same extractor and options (found {spec!r}, "
                          f"{redact(options)!r})"])
    return earlier


def _prediction_files(folder: Path) -> list[Path]:
    return sorted(filter(is_document_file, folder.glob("*.json")))


def run_extractor(extractor: Extractor, documents: Sequence[Document], output_dir: Path | str,
                  *, spec: str, options: Mapping[str, str] | None = None,
                  corpus_dir: Path | str | None = None, resume: bool = False,
                  keep_going: bool = False, progress: Progress | None = None) -> RunSummary:
    """Predict every document and write `<doc_id>.json` plus the manifest to output_dir.

    resume: keep the valid predictions already in the folder (the manifest, when there is
    one, must name the same SPEC and options). keep_going: a document on which the
    extractor fails is recorded as failed and the run goes on. Raises UsageError (the
    folder cannot be used), RunError (a failure without keep_going), and lets
    KeyboardInterrupt through after recording it. corpus_dir: the corpus folder the
    documents come from (None: the bundled corpus), to validate the predictions."""
    output_dir = Path(output_dir)
    options = dict(options or {})
    earlier = _prepare(output_dir, spec, options, resume)
    output_dir.mkdir(parents=True, exist_ok=True)
    state = _Run(output_dir, spec, options, Path(corpus_dir) if corpus_dir else None)
    if earlier is not None and isinstance(earlier.get("started"), str):
        state.manifest["resumed_from"] = earlier["started"]
    before = earlier.get("documents", {}) if earlier else {}
    progress = progress or Progress(len(documents))
    started = time.perf_counter()
    state.save()
    try:
        for doc in documents:
            if resume and state.existing(doc.doc_id):
                old = before.get(doc.doc_id) if isinstance(before, dict) else None
                seconds = old.get("seconds") if isinstance(old, dict) else None
                state.record(doc.doc_id, "kept",
                             seconds if isinstance(seconds, (int, float)) else None)
                state.summary.kept.append(doc.doc_id)
                progress.update(skipped=1, current=doc.doc_id)
                continue
            _one(extractor, doc, state, keep_going)
            progress.update(done=1, current=doc.doc_id)
    except KeyboardInterrupt:
        state.finish("interrupted")
        raise
    except RunError:
        state.finish("failed")
        raise
    finally:
        progress.close()
        state.summary.seconds = time.perf_counter() - started
    state.finish("incomplete" if state.summary.failed else "complete")
    return state.summary


def _one(extractor: Extractor, doc: Document, state: _Run, keep_going: bool) -> None:
    """Predict, check and write one document; record what happened."""
    started = time.perf_counter()
    try:
        result = extractor(doc)
    except KeyboardInterrupt:
        state.record(doc.doc_id, "interrupted", time.perf_counter() - started)
        raise
    except Exception as exc:  # any failure of the extractor is reported, never a traceback
        _failed(state, doc.doc_id, time.perf_counter() - started,
                f"raised {type(exc).__name__}: {exc}", keep_going)
        return
    seconds = time.perf_counter() - started
    data, why = normalize(result, doc)
    if data is not None:
        problems = state.problems(data, doc.doc_id)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            why = f"returned an invalid annotation document: {problems[0]}{more}"
    if data is None or why is not None:
        _failed(state, doc.doc_id, seconds, why or "invalid", keep_going)
        return
    dump(data, state.dir / f"{doc.doc_id}.json")
    state.record(doc.doc_id, "done", seconds)
    state.summary.written.append(doc.doc_id)


def _failed(state: _Run, doc_id: str, seconds: float, why: str, keep_going: bool) -> None:
    message = f"extractor {state.spec!r} on {doc_id}: {why}"
    state.record(doc_id, "failed", seconds, why)
    state.summary.failed[doc_id] = why
    if not keep_going:
        raise RunError([message])


def read_predictions(output_dir: Path | str, corpus_dir: Path | str | None = None
                     ) -> dict[str, AnnotationDocument]:
    """The predictions of a run folder (the manifest left aside), checked as
    `palmyra evaluate --pred` checks a folder."""
    output_dir = Path(output_dir)
    files = _prediction_files(output_dir)
    problems = check_files(files, Path(corpus_dir) if corpus_dir else None)
    docs: dict[str, AnnotationDocument] = {}
    for path in files if not problems else ():
        doc = AnnotationDocument.from_dict(json.loads(path.read_text(encoding="utf-8")))
        if doc.doc_id != path.stem:
            problems.append(f"{path}:$.doc_id: expected {path.stem!r} (the file name), "
                            f"found {doc.doc_id!r}")
        docs[doc.doc_id] = doc
    if problems:
        raise InputError(problems)
    return docs


__all__ = ["MANIFEST", "Progress", "RunError", "RunSummary", "default_output_dir",
           "normalize", "read_predictions", "run_extractor", "utc_now"]
