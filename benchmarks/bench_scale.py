"""Scale: validation, evaluation and conversion from 1,000 to 100,000 documents, and the
start-up time of the command line.

    python benchmarks/bench_scale.py                          # 1,000 / 10,000 / 100,000
    python benchmarks/bench_scale.py --sizes 1000 10000 --steps validate evaluate
    python benchmarks/bench_scale.py --startup                # start-up times only

For each size, a synthetic corpus is written to a temporary folder by the generator of
bench_validate.py (text, metadata and zones; gold in all four layers, with a cluster
registry), with a prediction set derived from the gold (missed, retyped, unclustered,
spurious and misvalued items) as one JSONL file. Each step then runs in a fresh process,
which reports its wall time and its peak resident memory (getrusage ru_maxrss, of itself
and of its worker processes):

  generate   writing the corpus and the predictions (not the harness; for scale)
  validate   palmyra.validate.validate_paths(annotations/), as `palmyra validate -j N`
  evaluate   palmyra.evaluate(annotations/, predictions.jsonl, bootstrap 1000, jobs N), as
             `palmyra evaluate --jobs N`, and the terminal report; the results of every N
             must be identical (their JSON hashes are compared)
  convert    palmyra convert export brat + import brat of the first --sample documents,
             scaled to the corpus (documents convert independently)

It prints one table (seconds, peak MiB, milliseconds per document) and the growth ratio of
each step from one size to the next: linear growth gives the ratio of the sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_validate import write_corpus  # noqa: E402 - the shared generator, beside this file

STEPS = ("generate", "validate", "evaluate", "convert")
ENTITY_TYPES = ("PER", "ORG", "GPE", "LOC", "FAC")


# --------------------------------------------------------------------------- data


def _referenced(doc: dict) -> set[str]:
    """Ids of entity mentions that other items point to (kept, so references resolve)."""
    ids = {a.get("mention") for e in doc["events"] for a in e.get("arguments", [])}
    ids |= {n.get("entity") for n in doc["numbers"]}
    ids |= {a.get("source", {}).get("mention") for a in doc["attributions"]}
    return {i for i in ids if i}


def predict(gold: dict, rng: random.Random) -> dict:
    """A valid prediction made from a gold document: 10% of the unreferenced mentions
    missed, 5% retyped, 20% without a cluster; a spurious ORG on some triggers; 10% of the
    events missed with their numbers; number values off by 10%; 30% of attributions
    missed."""
    keep = _referenced(gold)
    entities = []
    for e in gold["entities"]:
        if e["id"] not in keep and rng.random() < 0.1:
            continue
        e = dict(e)
        if rng.random() < 0.05:
            e["type"] = rng.choice([t for t in ENTITY_TYPES if t != e["type"]])
        if rng.random() < 0.2:
            e.pop("cluster")
        entities.append(e)
    events = [e for e in gold["events"] if rng.random() >= 0.1]
    kept_events = {e["id"] for e in events}
    entities += [{**{k: e["trigger"][k] for k in ("start", "end", "text")}, "type": "ORG"}
                 for e in events if rng.random() < 0.05]
    numbers = []
    for n in gold["numbers"]:
        if n.get("event") not in (None, *kept_events):
            continue
        n = dict(n)
        for key in ("value", "low"):
            if isinstance(n.get(key), (int, float)) and rng.random() < 0.2:
                n[key] = round(n[key] * 1.1, 1)
        numbers.append(n)
    attributions = [a for a in gold["attributions"] if rng.random() >= 0.3]
    kept_attributions = {a["id"] for a in attributions}
    attributions = [a if a.get("parent") in (None, *kept_attributions)
                    else {k: v for k, v in a.items() if k != "parent"} for a in attributions]
    return {"schema_version": "1.0.0", "doc_id": gold["doc_id"], "status": "prediction",
            "entities": entities, "events": events, "numbers": numbers,
            "attributions": attributions}


def generate(root: Path, n_docs: int, sentences: int) -> None:
    """root/corpus, root/annotations (gold + clusters.json) and root/predictions.jsonl."""
    _, annotations = write_corpus(root, n_docs, sentences)
    rng = random.Random(7)
    with open(root / "predictions.jsonl", "w", encoding="utf-8") as out:
        for path in sorted(annotations.glob("synthetic-*.json")):
            gold = json.loads(path.read_text(encoding="utf-8"))
            out.write(json.dumps(predict(gold, rng), ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- steps (child)


def _peaks() -> dict[str, float]:
    """Peak resident memory in MiB of this process and of its largest worker."""
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return {"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2 ** 20,
            "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            * scale / 2 ** 20}


def run_step(step: str, root: Path, jobs: int, bootstrap: int, sample: int,
             sentences: int, n_docs: int) -> dict:
    """Run one step in this process; what the parent prints."""
    started = time.perf_counter()
    out: dict = {}
    if step == "generate":
        generate(root, n_docs, sentences)
        out["bytes"] = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    elif step == "validate":
        from palmyra.validate import validate_paths

        report = validate_paths([root / "annotations"], corpus_dir=root / "corpus", jobs=jobs)
        out["files"], out["problems"] = report.files, len(report.problems)
    elif step == "evaluate":
        import palmyra
        from palmyra.report.terminal import render_result

        result = palmyra.evaluate(root / "annotations", root / "predictions.jsonl",
                                  corpus=root / "corpus", bootstrap=bootstrap, jobs=jobs)
        text = result.to_json(by_doc=False)
        render_result(result.to_dict(by_doc=False))
        out["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        out["timings"] = {k: round(v, 2) for k, v in result.timings.items()}
        out["entities_strict_f1"] = result.score("entities", "strict")["f1"]
    elif step == "convert":
        from palmyra.cli import main

        folder = root / "sample"
        folder.mkdir()
        names = sorted(p.name for p in (root / "annotations").glob("synthetic-*.json"))[:sample]
        for name in [*names, "clusters.json"]:
            shutil.copy(root / "annotations" / name, folder / name)
        corpus = str(root / "corpus")
        codes = [main(["convert", "export", "brat", str(folder), str(root / "brat"),
                       "--corpus", corpus]),
                 main(["convert", "import", "brat", str(root / "brat"), str(root / "back"),
                       "--corpus", corpus, "--clusters", str(folder / "clusters.json")])]
        assert codes == [0, 0], codes
        out["documents"] = len(names)
        for sub in ("sample", "brat", "back"):
            shutil.rmtree(root / sub)
    out["seconds"] = time.perf_counter() - started
    return {**out, **_peaks()}


def _child(step: str, root: Path, args: argparse.Namespace, n_docs: int, jobs: int) -> dict:
    command = [sys.executable, __file__, "--step", step, "--root", str(root), "--jobs",
               str(jobs), "--bootstrap", str(args.bootstrap), "--sample", str(args.sample),
               "--sentences", str(args.sentences), "--docs", str(n_docs)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


# --------------------------------------------------------------------------- the table


def measure(args: argparse.Namespace) -> list[dict]:
    rows: list[dict] = []
    for n_docs in args.sizes:
        with tempfile.TemporaryDirectory(prefix="palmyra-scale-") as tmp:
            root = Path(tmp)
            for step in ("generate", *args.steps):
                if step == "generate" and rows and rows[-1]["docs"] == n_docs:
                    continue
                for jobs in _jobs(step, args):
                    got = _child(step, root, args, n_docs, jobs)
                    scaled = n_docs / got["documents"] if step == "convert" else 1.0
                    row = {"docs": n_docs, "step": step, "jobs": jobs, **got,
                           "scaled_seconds": got["seconds"] * scaled}
                    rows.append(row)
                    print(_line(row), flush=True)
            hashes = {r["sha256"] for r in rows if r["docs"] == n_docs and "sha256" in r}
            if len(hashes) > 1:
                raise SystemExit(f"{n_docs} documents: results differ between --jobs values")
    return rows


def _jobs(step: str, args: argparse.Namespace) -> list[int]:
    if step in ("generate", "convert"):
        return [1]
    return args.evaluate_jobs if step == "evaluate" and args.evaluate_jobs else args.jobs


def _label(row: dict) -> str:
    return f"{row['step']}" + (f" -j {row['jobs']}" if row["step"] in ("validate",
                                                                      "evaluate") else "")


def _line(row: dict) -> str:
    note = ""
    if row["step"] == "convert":
        note = f"  (measured {row['seconds']:.1f} s on {row['documents']:,} documents)"
    elif row["step"] == "evaluate":
        note = f"  {row['timings']}"
    per_doc = 1000 * row["scaled_seconds"] / row["docs"]
    return (f"{row['docs']:>8,}  {_label(row):<14} {row['scaled_seconds']:>9.1f} s "
            f"{row['peak_mib']:>8.0f} MiB {row['worker_peak_mib']:>8.0f} MiB "
            f"{per_doc:>7.2f} ms/doc{note}")


def growth(rows: list[dict]) -> list[str]:
    """Time and peak-memory ratios of each step between consecutive sizes."""
    out = []
    labels = list(dict.fromkeys(_label(r) for r in rows))
    for label in labels:
        series = [r for r in rows if _label(r) == label]
        for a, b in itertools.pairwise(series):
            out.append(f"{label:<14} {a['docs']:>7,} -> {b['docs']:>7,} "
                       f"(x{b['docs'] / a['docs']:g}): time "
                       f"x{b['scaled_seconds'] / a['scaled_seconds']:.1f}, "
                       f"peak memory x{b['peak_mib'] / a['peak_mib']:.1f}")
    return out


# --------------------------------------------------------------------------- start-up


def startup(runs: int) -> list[str]:
    """Median wall time of a few commands, each in a fresh interpreter; and the same with
    jsonschema imported up front, as palmyra.validate did before it was imported lazily."""
    from palmyra.paths import annotations_dir

    document = str(annotations_dir() / "palmyra-004.json")
    commands = {"palmyra --help": ["--help"], "palmyra validate": ["validate"],
                "palmyra validate <one document>": ["validate", document]}
    lazy = "import sys; from palmyra.cli import main; sys.exit(main(sys.argv[1:]))"
    eager = "import jsonschema; " + lazy
    lines = []
    for name, argv in commands.items():
        times = {}
        variants = (("now", lazy), ("jsonschema up front", eager)) if argv[0] == "validate" \
            else (("now", lazy),)  # --help never imported the validator
        for label, code in variants:
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, *argv], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
                seconds.append(time.perf_counter() - started)
            times[label] = statistics.median(seconds)
        before = (f"   (jsonschema up front: {times['jsonschema up front']:.3f} s)"
                  if len(times) > 1 else "")
        lines.append(f"{name:<34} {times['now']:.3f} s{before}")
    bare = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        bare.append(time.perf_counter() - started)
    lines.append(f"{'python -c pass (the interpreter)':<34} {statistics.median(bare):.3f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--steps", nargs="+", choices=STEPS[1:], default=list(STEPS[1:]))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="processes for validate and evaluate (default: 1 2)")
    parser.add_argument("--evaluate-jobs", type=int, nargs="+",
                        help="processes for evaluate only (default: --jobs)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--sentences", type=int, default=4,
                        help="body sentences per document (bench_validate.py's generator)")
    parser.add_argument("--sample", type=int, default=1000,
                        help="documents converted (the time is scaled to the corpus)")
    parser.add_argument("--startup", action="store_true", help="only time the start-up")
    parser.add_argument("--runs", type=int, default=7, help="start-up runs per command")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # in a child
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        jobs = args.jobs[0] or os.cpu_count() or 1
        print(json.dumps(run_step(args.step, args.root, jobs, args.bootstrap, args.sample,
                                  args.sentences, args.docs)))
        return 0
    if args.startup:
        print("\n".join(startup(args.runs)))
        return 0
    print(f"{'docs':>8}  {'step':<14} {'seconds':>11} {'peak':>12} {'workers':>12} "
          f"{'per doc':>13}")
    rows = measure(args)
    print("\ngrowth (linear: time grows like the number of documents)")
    print("\n".join(growth(rows)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
