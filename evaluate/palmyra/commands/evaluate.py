"""`palmyra evaluate`: score a prediction set against the gold, or run an extractor over
the corpus documents the gold covers and score what it predicts.

  palmyra evaluate --pred PATH
  palmyra evaluate --extractor SPEC [--option KEY=VALUE ...] [--output-dir DIR] [--resume]
                   [--keep-going]

The options shared with `palmyra compare` are defined here too. Only argparse is imported
at module level, so that building the command line stays cheap; the extractor named is the
only code imported from outside the package.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: importing these costs time at start-up
    from palmyra.annotations import AnnotationDocument
    from palmyra.evaluation import Result

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
    parser.add_argument("--bootstrap-unit", choices=("doc", "sentence"), default="doc",
                        help="what the resampling draws: documents, or sentences (each item "
                             "in the sentence its anchor starts in; coreference is always "
                             "resampled by document) (default: doc)")
    parser.add_argument("--seed", metavar="N", type=count, default=12345,
                        help="random seed of the resampling (default: 12345)")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON report (docs/scores.md) instead of tables")
    parser.add_argument("--jobs", metavar="N", type=count, default=1,
                        help="score in N processes (0: one per CPU); scores are sums of "
                             "per-document counts, so the result is identical (default: 1)")
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


def option(text: str) -> tuple[str, str]:
    """KEY=VALUE (argparse type of --option)."""
    from palmyra.extractors import parse_option

    try:
        return parse_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score predictions (or an extractor) against the gold",
        description="Score a prediction set (a folder of <doc_id>.json annotation documents "
                    "or a JSONL file) against the gold, per layer and mode, with 95% "
                    "bootstrap intervals and a reproducibility signature; or run an "
                    "extractor over the documents of the gold, write its predictions one "
                    "document at a time, and score them the same way. Exit codes: 0 scored, "
                    "1 invalid input or a failed extractor, 2 usage error, 130 interrupted.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pred", metavar="PATH",
                        help="predictions: a folder of <doc_id>.json files or a JSONL file")
    source.add_argument("--extractor", metavar="SPEC",
                        help="run an extractor: baseline, spacy:MODEL, llm, the name of an "
                             "installed 'palmyra.extractors' entry point, or module:callable")
    parser.add_argument("--option", metavar="KEY=VALUE", action="append", type=option,
                        default=[], help="an option for the extractor (repeatable)")
    parser.add_argument("--output-dir", metavar="DIR",
                        help="where the extractor's predictions and run.json are written "
                             "(default: a new folder runs/<spec>-<UTC time>/)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the valid predictions already in --output-dir and "
                             "predict the rest")
    parser.add_argument("--keep-going", action="store_true",
                        help="record a document the extractor fails on and go on (it is "
                             "scored as an empty prediction)")
    parser.add_argument("--html", metavar="PATH",
                        help="also write an HTML report of the scores and predictions")
    add_common(parser, "bootstrap resamples for the 95%% intervals, 0 for none "
                       "(default: 1000)")
    parser.set_defaults(run=run)


def _usage(args: argparse.Namespace) -> str | None:
    """Options that cannot be combined, checked before any work."""
    if args.pred is not None:
        extra = [name for name, given in (("--option", args.option),
                                          ("--output-dir", args.output_dir),
                                          ("--resume", args.resume),
                                          ("--keep-going", args.keep_going)) if given]
        if extra:
            return f"{', '.join(extra)}: only with --extractor"
    elif args.resume and not args.output_dir:
        return "--resume needs --output-dir (the folder of the run to continue)"
    if args.html is not None:
        import importlib.util

        if importlib.util.find_spec("palmyra.report.html") is None:
            return "--html: HTML report not available"
        path = Path(args.html)
        if path.is_dir() or not path.parent.is_dir():
            return f"--html {path}: expected a file name in an existing folder"
    return output_problem(args)


def _options(args: argparse.Namespace) -> dict[str, str]:
    from palmyra.io import UsageError

    keys = [k for k, _ in args.option]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise UsageError([f"--option {', '.join(twice)}: given more than once"])
    return dict(args.option)


class _Stop(Exception):
    """Stop the command with an exit code; the reason has been printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _run_extractor(args: argparse.Namespace) -> Mapping[str, AnnotationDocument]:
    """Run the extractor over the gold's documents; the predictions written, read back."""
    from palmyra.corpus import CorpusError, load_corpus
    from palmyra.extractors import load
    from palmyra.extractors.run import (
        RunError,
        default_output_dir,
        read_predictions,
        run_extractor,
    )
    from palmyra.io import InputError, UsageError, read_gold

    options = _options(args)
    if ":" in args.extractor and not args.extractor.startswith("spacy:") \
            and "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # module:callable in the current folder
    extractor = load(args.extractor, options)
    if args.corpus is not None and not Path(args.corpus).is_dir():
        raise UsageError([f"{args.corpus}: no such folder (corpus)"])
    try:
        corpus = load_corpus(args.corpus)
    except CorpusError as exc:
        raise InputError([str(exc)]) from None
    gold = read_gold(args.gold, args.corpus)
    documents = [corpus[d] for d in sorted(gold.docs)]
    out = Path(args.output_dir) if args.output_dir else default_output_dir(args.extractor)
    print(f"palmyra evaluate: running {args.extractor!r} on {len(documents)} documents; "
          f"predictions in {out}", file=sys.stderr)
    resume_hint = (f"palmyra evaluate: the predictions written so far are in {out}; "
                   f"continue with --resume --output-dir {out}")
    try:
        summary = run_extractor(extractor, documents, out, spec=args.extractor,
                                options=options, corpus_dir=args.corpus, resume=args.resume,
                                keep_going=args.keep_going)
    except KeyboardInterrupt:
        print("palmyra evaluate: interrupted", file=sys.stderr)
        print(resume_hint, file=sys.stderr)
        raise
    except RunError as exc:  # the extractor failed on a document: nothing is scored
        for line in exc.problems:
            print(f"palmyra evaluate: {line}", file=sys.stderr)
        print(resume_hint, file=sys.stderr)
        raise _Stop(1) from None
    print(f"palmyra evaluate: {len(summary.written)} written, {len(summary.kept)} kept, "
          f"{len(summary.failed)} failed in {summary.seconds:.2f} s; manifest "
          f"{summary.manifest}", file=sys.stderr)
    for doc_id, why in summary.failed.items():
        print(f"palmyra evaluate: warning: {doc_id} failed ({why}); scored as an empty "
              "prediction", file=sys.stderr)
    return read_predictions(out, args.corpus)


def _is_run_folder(path: str) -> bool:
    """A folder written by --extractor: its run.json is the manifest, not a prediction."""
    import json

    from palmyra.extractors.run import MANIFEST

    manifest = Path(path) / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "manifest_version" in data and "spec" in data


def _write_html(args: argparse.Namespace, result: Result,
                predictions: Mapping[str, AnnotationDocument] | None) -> None:
    """The HTML report (palmyra.report.html, imported only when asked for)."""
    from palmyra.corpus import load_corpus
    from palmyra.io import read_documents, read_gold
    from palmyra.report.html import write_report

    gold = read_gold(args.gold, args.corpus).docs
    if predictions is None:
        predictions = read_documents(args.pred, args.corpus).docs
    write_report(args.html, result, gold, predictions, load_corpus(args.corpus))


def run(args: argparse.Namespace) -> int:
    from palmyra.evaluation import evaluate
    from palmyra.io import InputError
    from palmyra.report import json as json_report
    from palmyra.report.terminal import render_result

    problem = _usage(args)
    if problem:
        print(f"palmyra evaluate: {problem}", file=sys.stderr)
        return 2
    predictions = None
    try:
        if args.extractor is not None:
            predictions = _run_extractor(args)
        elif _is_run_folder(args.pred):
            from palmyra.extractors.run import read_predictions

            predictions = read_predictions(args.pred, args.corpus)
        result = evaluate(args.gold, predictions if predictions is not None else args.pred,
                          layers=layers_of(args), bootstrap=args.bootstrap, seed=args.seed,
                          corpus=args.corpus, jobs=args.jobs or os.cpu_count() or 1,
                          unit=args.bootstrap_unit)
    except InputError as exc:
        report_problems("evaluate", exc.problems)
        return exc.exit_code
    except _Stop as stop:
        return stop.code
    except KeyboardInterrupt:
        return 130
    full = result.to_dict() if args.json or args.output else None
    if args.output and not write_output("evaluate", full, args.output):
        return 2
    if args.html is not None:
        try:
            _write_html(args, result, predictions)
        except OSError as exc:
            print(f"palmyra evaluate: --html {args.html}: cannot write: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 2
    if args.json:
        sys.stdout.write(json_report.dumps(full))
    else:
        sys.stdout.write(render_result(result.to_dict(by_doc=False)))
    return 0
