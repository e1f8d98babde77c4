"""`palmyra convert export|import FORMAT SOURCE OUTPUT`: brat, Label Studio and CoNLL.

  export brat        SOURCE (annotation folder, .json or .jsonl) -> OUTPUT folder (.txt, .ann,
                     annotation.conf, visual.conf, palmyra.json)
  export labelstudio SOURCE -> OUTPUT .json (a list of tasks); --config FILE also writes the
                     labeling configuration
  export conll       SOURCE -> OUTPUT IOB2 file (entities only; what it loses is reported)
  import FORMAT      SOURCE (brat folder, Label Studio .json, CoNLL file) -> OUTPUT folder of
                     <doc_id>.json, each checked by palmyra.validate first

Exit codes: 0 converted, 1 invalid input (one line per problem, nothing written), 2 usage
error. Inputs are never modified; outputs are written atomically, and only when everything
converted and validated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from palmyra.corpus import Document

# The same tuple as palmyra.formats.FORMATS (a test checks it), without importing the
# formats (and the validator behind them) to build the command line.
FORMATS = ("brat", "labelstudio", "conll")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert", help="export annotations to brat, Label Studio or CoNLL, or import them",
        description="Convert annotation documents to and from annotation-tool formats. "
                    "Imported documents are validated before anything is written. Exit "
                    "codes: 0 converted, 1 invalid input, 2 usage error. See docs/formats.md.")
    direction = parser.add_subparsers(dest="direction", metavar="DIRECTION", required=True)
    export = direction.add_parser(
        "export", help="write annotation documents in a tool's format",
        description="Write annotation documents (a folder of <doc_id>.json, one .json or a "
                    ".jsonl file) as a brat collection folder, a Label Studio task file or a "
                    "CoNLL IOB2 file.")
    export.add_argument("format", choices=FORMATS, metavar="FORMAT",
                        help=f"one of {', '.join(FORMATS)}")
    export.add_argument("source", metavar="SOURCE", help="annotation folder or file")
    export.add_argument("output", metavar="OUTPUT",
                        help="brat: a folder; labelstudio, conll: a file")
    export.add_argument("--config", metavar="FILE",
                        help="labelstudio: also write the labeling configuration (XML)")
    import_ = direction.add_parser(
        "import", help="read a tool's files into validated annotation documents",
        description="Read a brat collection folder, a Label Studio JSON export or a CoNLL "
                    "IOB2 file into annotation documents, validate them, and write them as "
                    "<doc_id>.json files into OUTPUT.")
    import_.add_argument("format", choices=FORMATS, metavar="FORMAT",
                         help=f"one of {', '.join(FORMATS)}")
    import_.add_argument("source", metavar="SOURCE",
                         help="brat: a folder; labelstudio, conll: a file")
    import_.add_argument("output", metavar="OUTPUT", help="folder for the <doc_id>.json files")
    import_.add_argument("--clusters", metavar="FILE",
                         help="cluster registry for gold documents (default: the bundled "
                              "annotations/clusters.json)")
    import_.add_argument("--status", choices=("gold", "prediction"),
                         help="status of documents whose input does not record one "
                              "(brat without palmyra.json, Label Studio without data.palmyra)")
    import_.add_argument("--assign-ids", action="store_true",
                         help="give every item without an id one (m<N>, ev<N>, n<N>, a<N>)")
    for sub in (export, import_):
        sub.add_argument("--corpus", metavar="DIR",
                         help="corpus folder of <doc_id>.txt + <doc_id>.json "
                              "(default: the bundled corpus)")
        sub.set_defaults(run=run)


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    from palmyra.corpus import CorpusError, CorpusFolder
    from palmyra.formats import FormatError

    try:
        if args.corpus is not None and not Path(args.corpus).is_dir():
            raise _Usage(f"corpus folder not found: {args.corpus}")
        if not Path(args.source).exists():
            raise _Usage(f"no such file or folder: {args.source}")
        # Documents are read as the input names them: converting a few documents of a
        # large corpus reads those few.
        corpus = CorpusFolder(args.corpus)
        written = _export(args, corpus) if args.direction == "export" else _import(args, corpus)
    except (_Usage, CorpusError) as exc:
        print(f"palmyra convert: error: {exc}", file=sys.stderr)
        return 2
    except FormatError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        noun = "problem" if len(exc.problems) == 1 else "problems"
        print(f"palmyra convert: {len(exc.problems)} {noun}; nothing written", file=sys.stderr)
        return 1
    print(f"palmyra convert: wrote {written}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, corpus: Mapping[str, Document]) -> str:
    from palmyra.formats import load_documents

    source, output = Path(args.source), Path(args.output)
    if args.config and args.format != "labelstudio":
        raise _Usage("--config belongs to the labelstudio format")
    inputs = {_real(p) for p in (source.glob("*.json") if source.is_dir() else [source])}
    docs = load_documents(source, args.corpus)
    if args.format == "brat":
        from palmyra.formats.brat import export_collection

        files = export_collection(docs, corpus)
        _write_all(output, files, inputs)
        return f"{_count(docs, 'document')} to {output}/ (brat)"
    if args.format == "labelstudio":
        from palmyra.formats.labelstudio import export_tasks, labeling_config

        text = json.dumps(export_tasks(docs, corpus), indent=2, ensure_ascii=False) + "\n"
        outputs = {output: text}
        if args.config:
            outputs[Path(args.config)] = labeling_config()
        _write_files(outputs, inputs)
        return f"{_count(docs, 'task')} to {output} (Label Studio)"
    from palmyra.formats.conll import write_conll

    text, notes = write_conll(docs, corpus)
    for note in notes:
        print(f"palmyra convert: note: {note}", file=sys.stderr)
    _write_files({output: text}, inputs)
    return f"{_count(docs, 'document')} to {output} (CoNLL IOB2)"


def _import(args: argparse.Namespace, corpus: Mapping[str, Document]) -> str:
    from palmyra.annotations import dumps
    from palmyra.formats import FormatError, check_imported, decode_text

    source, output = Path(args.source), Path(args.output)
    if args.format == "brat" and not source.is_dir():
        raise _Usage(f"brat input must be a folder of .ann files: {source}")
    if args.format != "brat" and not source.is_file():
        raise _Usage(f"{args.format} input must be a file: {source}")
    if args.clusters is not None and not Path(args.clusters).is_file():
        raise _Usage(f"no such cluster registry: {args.clusters}")
    if output.exists() and not output.is_dir():
        raise _Usage(f"OUTPUT must be a folder: {output}")
    options = {"status": args.status, "assign_ids": args.assign_ids}
    if args.format == "brat":
        from palmyra.formats.brat import read_collection

        items, read = read_collection(source, corpus, **options)
    elif args.format == "labelstudio":
        from palmyra.formats.labelstudio import read_tasks

        items, skipped = read_tasks(source, corpus, **options)
        for line in skipped:
            print(f"palmyra convert: note: {line}", file=sys.stderr)
        read = [source]
    else:
        from palmyra.formats.conll import read_conll

        try:
            text = decode_text(source.read_bytes(), str(source))
        except OSError as exc:
            raise FormatError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
        items, read = read_conll(text, corpus, file=str(source)), [source]
    errors, warnings = check_imported(items, corpus_dir=args.corpus, registry=args.clusters)
    for line in warnings:
        print(f"{line} (warning)", file=sys.stderr)
    if errors:
        raise FormatError(errors)
    files = {f"{item.document['doc_id']}.json": dumps(item.canonical()) for item in items}
    _write_all(output, files, {_real(p) for p in read})
    return f"{_count(items, 'document')} to {output}/"


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}" if len(items) == 1 else f"{len(items)} {noun}s"


def _write_all(folder: Path, files: dict[str, str], inputs: set[Path]) -> None:
    if folder.exists() and not folder.is_dir():
        raise _Usage(f"OUTPUT must be a folder: {folder}")
    _write_files({folder / name: text for name, text in files.items()}, inputs)


def _real(path: Path) -> Path:
    """The path with links resolved, without failing on a link loop (Path.resolve raises)."""
    return Path(os.path.realpath(path))


def _write_files(files: dict[Path, str], inputs: set[Path]) -> None:
    """Write every file atomically, after checking that none is an input."""
    from palmyra.annotations import write_atomic

    for path in files:
        if _real(path) in inputs:
            raise _Usage(f"{path} is an input; choose another OUTPUT")
        if path.is_dir():
            raise _Usage(f"{path} is a folder; expected a file")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
