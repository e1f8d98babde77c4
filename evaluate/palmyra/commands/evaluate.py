"""`palmyra evaluate --pred PATH`: score a prediction set against the gold.

The options shared with `palmyra compare` are defined here too. Only argparse is imported
at module level, so that building the command line stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The same tuple as palmyra.evaluation.LAYERS (a test checks it), without importing it.
LAYERS = ("entities", "bio", "events", "numbers", "attributions", "coreference")


def count(text: str) -> int:
    """A whole number >= 0 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, found {text!r}")
    return value


def layer_list(text: str) -> list[str]:
    """One layer or a comma-separated list (argparse type; several may follow --layers)."""
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [x for x in names if x not in LAYERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown layer {', '.join(unknown) or text!r}: expected {', '.join(LAYERS)}")
    return names


def add_common(parser: argparse.ArgumentParser, bootstrap_help: str) -> None:
    parser.add_argument("--gold", metavar="PATH",
                        help="gold folder of <doc_id>.json files or a JSONL file "
                             "(default: the bundled annotations)")
    parser.add_argument("--corpus", metavar="DIR",
                        help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--layers", metavar="LAYER", nargs="+", type=layer_list,
                        help=f"layers to score (default: every layer of the gold): "
                             f"{', '.join(LAYERS)}")
    parser.add_argument("--bootstrap", metavar="N", type=count, default=1000,
                        help=bootstrap_help)
    parser.add_argument("--seed", metavar="N", type=count, default=12345,
                        help="random seed of the resampling (default: 12345)")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON report (docs/scores.md) instead of tables")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the JSON report to FILE (atomically)")


def layers_of(args: argparse.Namespace) -> list[str] | None:
    if args.layers is None:
        return None
    return list(dict.fromkeys(x for group in args.layers for x in group))


def output_problem(args: argparse.Namespace) -> str | None:
    """Why --output cannot be written, checked before any scoring work."""
    if args.output is None:
        return None
    path = Path(args.output)
    if path.is_dir():
        return f"--output {path}: is a folder, expected a file name"
    if not path.parent.is_dir():
        return f"--output {path}: folder {path.parent} does not exist"
    return None


def write_output(command: str, data: object, path: str) -> bool:
    """Write the JSON report atomically; False (and a message) when the file cannot be."""
    from palmyra.report import json as json_report

    try:
        json_report.write(data, path)
    except OSError as exc:
        print(f"palmyra {command}: --output {path}: cannot write: {exc.strerror or exc}",
              file=sys.stderr)
        return False
    return True


def report_problems(command: str, problems: list[str]) -> None:
    for line in problems:
        print(line, file=sys.stderr)
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"palmyra {command}: {len(problems)} {noun}; nothing scored", file=sys.stderr)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score predictions against the gold",
        description="Score a prediction set (a folder of <doc_id>.json annotation documents "
                    "or a JSONL file) against the gold, per layer and mode, with 95%% "
                    "bootstrap intervals and a reproducibility signature. Exit codes: 0 "
                    "scored, 1 invalid input, 2 usage error.")
    parser.add_argument("--pred", metavar="PATH", required=True,
                        help="predictions: a folder of <doc_id>.json files or a JSONL file")
    add_common(parser, "bootstrap resamples for the 95%% intervals, 0 for none "
                       "(default: 1000)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from palmyra.evaluation import evaluate
    from palmyra.io import InputError
    from palmyra.report import json as json_report
    from palmyra.report.terminal import render_result

    problem = output_problem(args)
    if problem:
        print(f"palmyra evaluate: {problem}", file=sys.stderr)
        return 2
    try:
        result = evaluate(args.gold, args.pred, layers=layers_of(args),
                          bootstrap=args.bootstrap, seed=args.seed, corpus=args.corpus)
    except InputError as exc:
        report_problems("evaluate", exc.problems)
        return exc.exit_code
    full = result.to_dict() if args.json or args.output else None
    if args.output and not write_output("evaluate", full, args.output):
        return 2
    if args.json:
        sys.stdout.write(json_report.dumps(full))
    else:
        sys.stdout.write(render_result(result.to_dict(by_doc=False)))
    return 0
