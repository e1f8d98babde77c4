"""`palmyra agreement FIRST SECOND`: inter-annotator agreement of two annotation sets."""

from __future__ import annotations

import argparse
import sys

from palmyra.commands.evaluate import layer_list, layers_of, output_problem, report_problems


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "agreement", help="inter-annotator agreement between two annotation sets",
        description="Compare two annotators' sets of the same documents (folders of "
                    "<doc_id>.json or JSONL files): every scoring mode with FIRST as the "
                    "reference (F1 is symmetric), and agreement on labels (observed and "
                    "Cohen's kappa) over the items both marked. The documents compared are "
                    "those of SECOND; FIRST must hold them.")
    parser.add_argument("first", metavar="FIRST", help="the first annotator's set")
    parser.add_argument("second", metavar="SECOND", help="the second annotator's set")
    parser.add_argument("--corpus", metavar="DIR",
                        help="corpus folder (default: the bundled corpus)")
    parser.add_argument("--layers", metavar="LAYER", nargs="+", type=layer_list,
                        help="layers to compare (default: every layer FIRST has)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the JSON report to FILE (atomically)")
    parser.set_defaults(run=run)


def render(data: dict) -> str:
    from palmyra.report.terminal import render_result, table

    report = render_result(data).replace("palmyra evaluate:", "palmyra agreement:", 1)
    out = [report.replace("gold documents scored", "documents compared", 1)]
    rows = [[layer, str(v["matched"]), f"{100 * v['observed']:.1f}",
             "n/a" if v["kappa"] is None else f"{v['kappa']:.3f}"]
            for layer, v in data["label_agreement"].items()]
    if rows:
        out.append("\nlabel agreement on items both annotators marked (matched by span)\n")
        out.append(table(["layer", "matched", "observed %", "kappa"], rows))
    return "".join(out)


def run(args: argparse.Namespace) -> int:
    from palmyra.agreement import agreement
    from palmyra.io import InputError
    from palmyra.report import json as json_report

    problem = output_problem(args)
    if problem:
        print(f"palmyra agreement: {problem}", file=sys.stderr)
        return 2
    try:
        result = agreement(args.first, args.second, layers=layers_of(args), corpus=args.corpus)
    except InputError as exc:
        report_problems("agreement", exc.problems)
        return exc.exit_code
    data = result.to_dict()
    if args.output:
        json_report.write(data, args.output)
    sys.stdout.write(json_report.dumps(data) if args.json else render(data))
    return 0
