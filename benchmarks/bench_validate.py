"""Benchmark of `palmyra validate`: a synthetic corpus of N fully annotated documents.

    python benchmarks/bench_validate.py              # 10,000 documents
    python benchmarks/bench_validate.py --docs 500 --sentences 24 --keep /tmp/synthetic

Each document has a headline, a body of news-like sentences and a boilerplate footer (so
zones are exercised), and gold annotations in all four layers (entities with clusters,
events with arguments and times, numbers linked to events, nested attributions), plus a
cluster registry listing exactly the clusters used. The corpus and annotations are written
to a temporary folder; the timing is one in-process call of palmyra.validate.validate_paths
over the folder, as `palmyra validate annotations/ --corpus corpus/` would do it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from palmyra.validate import accelerated, validate_paths

ORGS = ["Islamic State", "the Syrian army", "Hezbollah", "the Kurdish YPG", "Jabhat Fateh al-Sham"]
PLACES = ["Palmyra", "Aleppo", "Raqqa", "Deir al-Zor", "Homs", "Tadmur", "Mosul", "Idlib"]
PEOPLE = ["Talal Barazi", "Rami Abdulrahman", "Osama al-Khatib", "Igor Konashenkov"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class _Doc:
    """Builds one text while recording annotations with their exact offsets."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id, self.parts, self.length = doc_id, [], 0
        self.entities, self.events, self.numbers, self.attributions = [], [], [], []
        self.zones: list[dict] = []

    def put(self, text: str) -> dict:
        span = {"start": self.length, "end": self.length + len(text), "text": text}
        self.parts.append(text)
        self.length += len(text)
        return span

    def zone(self, kind: str, start: int) -> None:
        self.zones.append({"type": kind, "start": start, "end": self.length})

    def entity(self, text: str, etype: str, level: str, cluster: str) -> dict:
        ent = {"id": f"m{len(self.entities) + 1}", **self.put(text), "type": etype,
               "level": level, "cluster": cluster}
        self.entities.append(ent)
        return ent

    def event(self, trigger: str, etype: str, cluster: str, args: list, time=None) -> dict:
        event = {"id": f"ev{len(self.events) + 1}", "trigger": self.put(trigger),
                 "type": etype, "realis": "ACTUAL", "cluster": cluster, "arguments": args}
        if time is not None:
            event["time"] = time
        self.events.append(event)
        return event


def _slug(name: str) -> str:
    return name.lower().replace("the ", "").replace(" ", "-")


def _sentence(doc: _Doc, rng: random.Random, parent: str | None) -> str | None:
    """Write one sentence; return the id of an attribution it opened (for nesting)."""
    org, place, person = rng.choice(ORGS), rng.choice(PLACES), rng.choice(PEOPLE)
    start = doc.length
    kind = rng.randrange(3)
    if kind == 0:  # "<ORG> recaptured <GPE> on <day>, <PER> said."
        captor = doc.entity(org, "ORG", "NAM", f"E:{_slug(org)}")
        doc.put(" ")
        args = [{"role": "Captor", "mention": captor["id"]}]
        trigger_at = len(doc.events)
        doc.event("recaptured", "Conflict.TakeControl", f"V:take-{_slug(place)}", args)
        doc.put(" ")
        town = doc.entity(place, "GPE", "NAM", f"E:{_slug(place)}")
        args.append({"role": "Territory", "mention": town["id"], "start": town["start"],
                     "end": town["end"], "text": town["text"]})
        doc.put(" ")
        when = doc.put(f"on {rng.choice(DAYS)}")
        doc.events[trigger_at]["time"] = {"value": "2016-12-11", "span": when}
        content_end = doc.length
        doc.put(", ")
        source = doc.entity(person, "PER", "NAM", f"E:{_slug(person)}")
        doc.put(" ")
        cue = doc.put("said")
        doc.put(". ")
        att = {"id": f"a{len(doc.attributions) + 1}",
               "source": {k: source[k] for k in ("start", "end", "text")} | {
                   "mention": source["id"]},
               "cue": [cue], "content": [{"start": start, "end": content_end,
                                          "text": "".join(doc.parts)[start:content_end]}],
               "type": "indirect"}
        if parent is not None:
            att["parent"] = parent
        doc.attributions.append(att)
        return att["id"]
    if kind == 1:  # "More than <N> <ORG> militants attacked <GPE>."
        n = rng.randrange(50, 5000)
        number = doc.put(f"More than {n:,}")
        doc.put(" ")
        fighters = doc.entity(f"{org} militants", "PER", "NOM", f"E:{_slug(org)}-fighters")
        doc.put(" ")
        args = [{"role": "Attacker", "mention": fighters["id"]}]
        event = doc.event("attacked", "Conflict.Attack", f"V:attack-{_slug(place)}", args)
        doc.put(" ")
        target = doc.entity(place, "GPE", "NAM", f"E:{_slug(place)}")
        args.append({"role": "Place", "mention": target["id"]})
        doc.put(". ")
        doc.numbers.append({"id": f"n{len(doc.numbers) + 1}", **number, "kind": "count",
                            "low": n, "qualifier": "lower_bound",
                            "counted": {k: fighters[k] for k in ("start", "end", "text")},
                            "entity": fighters["id"], "event": event["id"],
                            "role": "Attacker"})
        return None
    # "The army pulled out of <GPE> after <N> days."
    army = doc.entity("The army", "ORG", "NOM", "E:syrian-army")
    doc.put(" ")
    args = [{"role": "Retreater", "mention": army["id"]}]
    doc.event("pulled out", "Conflict.Retreat", f"V:retreat-{_slug(place)}", args)
    doc.put(" of ")
    origin = doc.entity(place, "GPE", "NAM", f"E:{_slug(place)}")
    args.append({"role": "Origin", "mention": origin["id"]})
    days = rng.randrange(2, 30)
    doc.put(" after ")
    span = doc.put(f"{days} days")
    doc.numbers.append({"id": f"n{len(doc.numbers) + 1}", **span, "kind": "duration",
                        "value": days, "qualifier": "exact", "unit": "day"})
    doc.put(". ")
    return None


def make_document(doc_id: str, rng: random.Random, sentences: int) -> _Doc:
    doc = _Doc(doc_id)
    doc.put("Skip to main content\n\n")
    doc.zone("boilerplate", 0)
    start = doc.length
    doc.put(f"{rng.choice(ORGS)} fighting reported near {rng.choice(PLACES)}\n\n")
    doc.zone("headline", start)
    start, parent = doc.length, None
    for _ in range(sentences):
        opened = _sentence(doc, rng, parent)
        parent = opened if opened and parent is None else None
    doc.put("\n\n")
    doc.zone("body", start)
    start = doc.length
    doc.put("Page not found")
    doc.zone("boilerplate", start)
    return doc


def write_corpus(root: Path, n_docs: int, sentences: int, seed: int = 12345) -> tuple[Path, Path]:
    """Write root/corpus and root/annotations; return both folders."""
    corpus, annotations = root / "corpus", root / "annotations"
    corpus.mkdir(parents=True)
    annotations.mkdir(parents=True)
    rng = random.Random(seed)
    entity_clusters: dict[str, str] = {}
    event_clusters: dict[str, str] = {}
    for i in range(n_docs):
        doc = make_document(f"synthetic-{i:05d}", rng, sentences)
        text = "".join(doc.parts)
        (corpus / f"{doc.doc_id}.txt").write_text(text, encoding="utf-8", newline="")
        meta = {"doc_id": doc.doc_id, "language": "en", "length": len(text),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "zones": doc.zones}
        (corpus / f"{doc.doc_id}.json").write_text(json.dumps(meta), encoding="utf-8")
        gold = {"schema_version": "1.0.0", "doc_id": doc.doc_id, "status": "gold",
                "entities": doc.entities, "events": doc.events, "numbers": doc.numbers,
                "attributions": doc.attributions}
        (annotations / f"{doc.doc_id}.json").write_text(json.dumps(gold, indent=2),
                                                       encoding="utf-8")
        entity_clusters.update((e["cluster"], e["type"]) for e in doc.entities)
        event_clusters.update((e["cluster"], e["type"]) for e in doc.events)
    registry = {
        "schema_version": "1.0.0",
        "entities": [{"id": c, "type": t, "name": c[2:]}
                     for c, t in sorted(entity_clusters.items())],
        "events": [{"id": c, "type": t, "description": c[2:]}
                   for c, t in sorted(event_clusters.items())],
    }
    (annotations / "clusters.json").write_text(json.dumps(registry, indent=2), encoding="utf-8")
    return corpus, annotations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=16, help="body sentences per document")
    parser.add_argument("--keep", type=Path, help="write the synthetic corpus here and keep it")
    parser.add_argument("--no-accelerate", action="store_true",
                        help="use jsonschema alone even when jsonschema-rs is installed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes (default: one per CPU, as the command line does)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="palmyra-bench-") as tmp:
        root = args.keep or Path(tmp)
        t0 = time.perf_counter()
        corpus, annotations = write_corpus(root, args.docs, args.sentences)
        t1 = time.perf_counter()
        sample = json.loads((annotations / "synthetic-00000.json").read_text(encoding="utf-8"))
        items = sum(len(sample[layer]) for layer in ("entities", "events", "numbers",
                                                     "attributions"))
        print(f"generated {args.docs} documents ({items} annotations in the first: "
              + ", ".join(f"{len(sample[k])} {k}" for k in ("entities", "events", "numbers",
                                                             "attributions"))
              + f") in {t1 - t0:.1f} s")
        accelerate = not args.no_accelerate
        found = [_time(annotations, corpus, accelerate, jobs) for jobs in sorted({1, args.jobs})]
    return 1 if any(found) else 0  # a synthetic corpus with problems is a generator bug


def _time(annotations: Path, corpus: Path, accelerate: bool, jobs: int) -> int:
    t1 = time.perf_counter()
    report = validate_paths([annotations], corpus_dir=corpus, accelerate=accelerate, jobs=jobs)
    seconds = time.perf_counter() - t1
    pre_check = "jsonschema-rs" if accelerate and accelerated() else "none"
    rate = report.files / seconds
    print(f"validated {report.files} files with {jobs} process(es), schema pre-check "
          f"{pre_check}: {seconds:.2f} s, {rate:,.0f} files/s, "
          f"{1000 * seconds / report.files:.2f} ms/file; {len(report.problems)} problems")
    for problem in report.problems[:5]:
        print(f"  {problem}")
    return len(report.problems)


if __name__ == "__main__":
    sys.exit(main())
