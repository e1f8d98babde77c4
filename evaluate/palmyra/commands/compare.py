"""`palmyra compare A B`: two prediction sets on the same gold, with paired tests."""

from __future__ import annotations

import argparse
import os
import sys

from palmyra.commands.evaluate import (
    add_common,
    count,
    layers_of,
    output_problem,
    report_problems,
    write_output,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare", help="compare two prediction sets with paired significance tests",
        description="Score prediction sets A and B against the gold and test each metric's "
                    "difference with a paired bootstrap and approximate randomization "
                    "(p-values marked '*' below 0.05). Exit codes: 0 compared, 1 invalid "
                    "input, 2 usage error.")
    parser.add_argument("a", metavar="A", help="predictions of system A (folder or JSONL)")
    parser.add_argument("b", metavar="B", help="predictions of system B (folder or JSONL)")
    add_common(parser, "paired bootstrap resamples, also used for the 95%% intervals; "
                       "0 for none (default: 1000)")
    parser.add_argument("--trials", metavar="N", type=count, default=10000,
                        help="approximate randomization trials, 0 for none (default: 10000)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from palmyra.evaluation import compare
    from palmyra.io import InputError
    from palmyra.report import json as json_report
    from palmyra.report.terminal import render_comparison

    problem = output_problem(args)
    if problem:
        print(f"palmyra compare: {problem}", file=sys.stderr)
        return 2
    try:
        comparison = compare(args.gold, args.a, args.b, layers=layers_of(args),
                             bootstrap=args.bootstrap, trials=args.trials, seed=args.seed,
                             corpus=args.corpus, jobs=args.jobs or os.cpu_count() or 1,
                             unit=args.bootstrap_unit)
    except InputError as exc:
        report_problems("compare", exc.problems)
        return exc.exit_code
    data = comparison.to_dict()
    if args.output and not write_output("compare", data, args.output):
        return 2
    sys.stdout.write(json_report.dumps(data) if args.json else render_comparison(data))
    return 0
