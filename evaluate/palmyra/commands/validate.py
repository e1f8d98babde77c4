"""`palmyra validate [PATH ...]`: check annotation files and folders, one line per problem.

Exit codes: 0 no errors (warnings are printed), 1 errors found (or warnings with --strict),
2 usage error (a path or the corpus folder does not exist).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from palmyra.validate import Problem, Report

FORMATS = ("text", "json", "github")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check annotation documents against the schema, the corpus and the ontology",
        description="Check annotation files (.json, .jsonl, clusters.json) and folders. "
                    "A folder's clusters.json is its cluster registry; its other *.json and "
                    "*.jsonl files are annotation documents; subfolders and other files are "
                    "skipped. Prints one line per problem; nothing is modified.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or folders (default: the bundled annotations folder)")
    parser.add_argument("--corpus", metavar="DIR",
                        help="corpus folder of <doc_id>.txt + <doc_id>.json "
                             "(default: the bundled corpus)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text: file:path: message; json: one array; "
                             "github: workflow annotations (default: text)")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="also check subfolders, each as a folder of its own")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                        help="processes for large folders (default 0: one per CPU)")
    parser.set_defaults(run=run)


def _shown(path: Path) -> str:
    """A bundled path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _usage_error(message: str) -> int:
    print(f"palmyra validate: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from palmyra.paths import annotations_dir, corpus_dir
    from palmyra.validate import validate_paths

    paths = list(args.paths) or [_shown(annotations_dir())]
    for path in paths:
        if not Path(path).exists():
            return _usage_error(f"no such file or folder: {path}")
    if args.corpus is not None and not Path(args.corpus).is_dir():
        return _usage_error(f"corpus folder not found: {args.corpus}")
    corpus = args.corpus if args.corpus is not None else _shown(corpus_dir())
    if args.jobs < 0:
        return _usage_error(f"--jobs: expected 0 (one per CPU) or more, found {args.jobs}")
    report = validate_paths(paths, corpus_dir=corpus, recursive=args.recursive,
                            jobs=args.jobs or _cpus())
    _print(report.problems, args.format)
    print(_summary(report), file=sys.stderr)
    failed = report.errors or (args.strict and report.warnings)
    return 1 if failed else 0


def _print(problems: list[Problem], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([p.to_dict() for p in problems], indent=2, ensure_ascii=False))
    elif fmt == "github":
        for p in problems:
            print(_github(p))
    else:
        for p in problems:
            print(p)


def _escape(value: str, *, prop: bool) -> str:
    """GitHub workflow-command escaping (properties also escape ':' and ',')."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def _github(problem: Problem) -> str:
    props = [f"file={_escape(problem.file, prop=True)}"]
    if problem.line is not None:
        props.append(f"line={problem.line}")
    props.append(f"title={_escape(f'palmyra validate {problem.path}', prop=True)}")
    return f"::{problem.severity} {','.join(props)}::{_escape(problem.message, prop=False)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary(report: Report) -> str:
    files, found = _plural(report.files, "file"), len(report.problems)
    if not found:
        return f"palmyra validate: {files}, 0 problems"
    detail = f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}"
    return f"palmyra validate: {files}, {_plural(found, 'problem')} ({detail})"
