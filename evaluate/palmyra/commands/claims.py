"""`palmyra claims`: the claims layer as a report, the claims task's scorer, its baseline.

  palmyra claims [--gold-claims PATH] [--html PATH] [--json]
  palmyra claims --score PRED.json [--bootstrap N] [--seed N] [--mention-layers L ...]
                 [--json] [--output FILE]
  palmyra claims --baseline [--output FILE]

The gold claims (default: the bundled annotations/claims.json) and any predicted claims file
are validated first (palmyra.claims); their references resolve against --gold, a folder of
annotation documents (default: the documents beside the gold claims, else the bundled
gold). Exit codes: 0 done, 1 invalid input, 2 usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from palmyra.commands.evaluate import count

if TYPE_CHECKING:
    from palmyra.claims import ClaimsDocument

MENTION_LAYERS = ("numbers", "events", "attributions", "entities")  # as palmyra.claims


class _Stop(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "claims", help="report, score or predict claims across documents",
        description="Without options: a report of every gold claim, its versions side by "
                    "side with their sources and the relation between them (conflicts "
                    "first). --score: score a predicted claims file against the gold "
                    "(B-cubed, CEAF-e and the other coreference metrics over claim mentions, "
                    "relation accuracy on claims matched by maximum overlap). --baseline: "
                    "write the baseline's predictions (numbers grouped by value). Exit codes: "
                    "0 done, 1 invalid input, 2 usage error.")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--score", metavar="PRED", help="a predicted claims file to score")
    what.add_argument("--baseline", action="store_true",
                      help="write the baseline's predicted claims (to --output, or stdout)")
    parser.add_argument("--gold-claims", metavar="PATH",
                        help="gold claims file (default: the bundled annotations/claims.json)")
    parser.add_argument("--gold", metavar="DIR",
                        help="folder of the gold annotation documents that mentions point "
                             "into (default: beside the gold claims, else the bundled gold)")
    parser.add_argument("--corpus", metavar="DIR",
                        help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--html", metavar="PATH", help="also write the report as HTML")
    parser.add_argument("--json", action="store_true",
                        help="print JSON (the report, or the scores) instead of text")
    parser.add_argument("--output", metavar="FILE",
                        help="write the JSON scores (--score) or the predictions (--baseline) "
                             "to FILE, atomically")
    parser.add_argument("--mention-layers", metavar="LAYER", nargs="+",
                        choices=MENTION_LAYERS,
                        help="score only mentions of these layers (default: all)")
    parser.add_argument("--bootstrap", metavar="N", type=count, default=1000,
                        help="bootstrap resamples for the 95%% intervals, 0 for none "
                             "(default: 1000)")
    parser.add_argument("--seed", metavar="N", type=count, default=12345,
                        help="random seed of the resampling (default: 12345)")
    parser.set_defaults(run=run)


def _usage(args: argparse.Namespace) -> str | None:
    """Options that do not fit the mode, or paths that cannot be used, before any work."""
    if args.html is not None and (args.score or args.baseline):
        return "--html: only for the report (without --score or --baseline)"
    if args.output is not None and not (args.score or args.baseline):
        return "--output: only with --score or --baseline"
    if args.mention_layers and not args.score:
        return "--mention-layers: only with --score"
    for option, value in (("--html", args.html), ("--output", args.output)):
        if value is not None:
            path = Path(value)
            if path.is_dir() or not path.parent.is_dir():
                return f"{option} {path}: expected a file name in an existing folder"
    for option, value in (("--gold-claims", args.gold_claims), ("--score", args.score)):
        if value is not None and not Path(value).is_file():
            return f"{option} {value}: no such file"
    for option, value in (("--gold", args.gold), ("--corpus", args.corpus)):
        if value is not None and not Path(value).is_dir():
            return f"{option} {value}: no such folder"
    return None


def _checked(path: Path, gold_folder: Path, corpus: str | None, what: str) -> ClaimsDocument:
    """A claims file, validated: its errors (and warnings) printed; _Stop(1) on errors."""
    from palmyra.claims import load, validate_claims_file

    problems = validate_claims_file(path, gold_folder=gold_folder, corpus_dir=corpus)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p, file=sys.stderr)
    if errors:
        noun = "problem" if len(errors) == 1 else "problems"
        print(f"palmyra claims: {len(errors)} {noun} in the {what}", file=sys.stderr)
        raise _Stop(1)
    return load(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: str, text: str) -> None:
    from palmyra.annotations import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        print(f"palmyra claims: {path}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        raise _Stop(2) from None


def _report(args: argparse.Namespace, gold_path: Path, gold_folder: Path) -> int:
    from palmyra.claims import load_gold_documents
    from palmyra.corpus import CorpusError, load_corpus
    from palmyra.report import claims as report
    from palmyra.report.json import dumps

    claims = _checked(gold_path, gold_folder, args.corpus, "gold claims")
    try:
        corpus = load_corpus(args.corpus)
    except CorpusError as exc:
        print(f"palmyra claims: {exc}", file=sys.stderr)
        return 1
    data = report.report_data(claims, load_gold_documents(gold_folder), corpus,
                              source=str(gold_path), sha256=_sha256(gold_path))
    if args.html is not None:
        _write(args.html, report.render_html(data))
    sys.stdout.write(dumps(data) if args.json else report.render_terminal(data))
    return 0


def _score(args: argparse.Namespace, gold_path: Path, gold_folder: Path) -> int:
    from palmyra.report.json import dumps
    from palmyra.scoring.claims import result

    gold = _checked(gold_path, gold_folder, args.corpus, "gold claims")
    pred = _checked(Path(args.score), gold_folder, args.corpus, "predicted claims")
    data = result(gold, pred, gold_sha256=_sha256(gold_path), layers=args.mention_layers,
                  bootstrap=args.bootstrap, seed=args.seed)
    if args.output:
        _write(args.output, dumps(data))
    sys.stdout.write(dumps(data) if args.json else render_scores(data))
    return 0


def render_scores(data: dict) -> str:
    """The scores as a table, as `palmyra evaluate` prints a layer."""
    from palmyra.report.terminal import table

    def pct(x: float) -> str:
        return f"{100 * x:.2f}"

    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:.2f}"

    rows = []
    for mode, e in data["modes"].items():
        ci = e["ci95"]
        rows.append([mode, pct(e["precision"]), pct(e["recall"]), pct(e["f1"]),
                     "-" if ci is None else f"[{pct(ci[0])}, {pct(ci[1])}]",
                     f"{num(e['p_num'])}/{num(e['p_den'])}",
                     f"{num(e['r_num'])}/{num(e['r_den'])}"])
    header = ["mode", "P", "R", "F1", "95% CI", "P num/den", "R num/den"]
    acc = data["modes"]["relation_accuracy"]
    per = ", ".join(f"{label} {pct(e['recall'])} ({num(e['r_num'])}/{num(e['r_den'])})"
                    for label, e in acc["by_relation"].items())
    return "\n".join([
        f"palmyra claims: {data['prediction']['claims']} predicted claims scored against "
        f"{data['gold']['claims']} gold claims (mentions: {data['mention_layers']})",
        "", "claims (scores in %)", table(header, rows), "",
        f"relation accuracy by gold relation: {per or '-'}",
        f"signature: {data['signature']}"]) + "\n"


def _baseline(args: argparse.Namespace, gold_folder: Path) -> int:
    from palmyra.claims import dumps, load_gold_documents
    from palmyra.claims_baseline import baseline_claims

    docs = load_gold_documents(gold_folder)
    if not docs:
        print(f"palmyra claims: no annotation documents in {gold_folder}", file=sys.stderr)
        return 1
    text = dumps(baseline_claims(docs))
    if args.output:
        _write(args.output, text)
        print(f"palmyra claims: baseline predictions written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run(args: argparse.Namespace) -> int:
    from palmyra.claims import bundled_claims_path, default_gold_folder

    problem = _usage(args)
    if problem:
        print(f"palmyra claims: {problem}", file=sys.stderr)
        return 2
    gold_path = Path(args.gold_claims) if args.gold_claims else bundled_claims_path()
    if not gold_path.is_file() and not args.baseline:
        print(f"palmyra claims: {gold_path}: no such file (gold claims)", file=sys.stderr)
        return 1
    gold_folder = Path(args.gold) if args.gold else default_gold_folder(gold_path)
    try:
        if args.baseline:
            return _baseline(args, gold_folder)
        if args.score:
            return _score(args, gold_path, gold_folder)
        return _report(args, gold_path, gold_folder)
    except _Stop as stop:
        return stop.code
    except KeyboardInterrupt:
        return 130
