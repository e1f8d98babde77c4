"""`palmyra build [--check]`: regenerate the Hugging Face data files (data/<config>/test.jsonl)
and the README front matter of a source checkout from its gold.

Exit codes: 0 written (or, with --check, up to date), 1 files out of date (--check) or a gold
that does not validate, 2 not a source checkout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="regenerate data/ and the README front matter from the gold (source checkout)",
        description="Write data/<config>/test.jsonl for every Hugging Face configuration and "
                    "the YAML front matter of README.md (configs, features, split sizes) from "
                    "corpus/, annotations/ and schema/ of a source checkout. Files that are "
                    "already up to date are left untouched.",
    )
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with one line per out-of-date file")
    parser.add_argument("--root", metavar="DIR",
                        help="the checkout to build (default: the one palmyra runs from)")
    parser.set_defaults(run=run)


def _error(message: str, code: int) -> int:
    print(f"palmyra build: error: {message}", file=sys.stderr)
    return code


def _root(option: str | None) -> Path | None:
    from palmyra.hf.build import checkout_root, is_checkout

    if option is None:
        return checkout_root()
    root = Path(option)
    return root if is_checkout(root) else None


def _gold_problems(root: Path) -> list[str]:
    """The errors `palmyra validate` finds in the checkout's gold (rows assume valid gold)."""
    from palmyra.validate import validate_paths

    report = validate_paths([root / "annotations"], corpus_dir=root / "corpus")
    return [str(p) for p in report.errors]


def run(args: argparse.Namespace) -> int:
    root = _root(args.root)
    if root is None:
        where = f"{args.root} is not" if args.root else "palmyra is not running from"
        return _error(f"{where} a source checkout (a folder with annotations/, corpus/ and "
                      "schema/): an installed package has no data/ or README.md to build; "
                      "use palmyra.load_dataset(config) instead", 2)
    problems = _gold_problems(root)
    if problems:
        print("\n".join(problems))
        return _error(f"the gold has {len(problems)} error(s) (palmyra validate); "
                      "nothing built", 1)

    from palmyra.hf.build import outdated, write
    from palmyra.hf.rows import BuildError

    try:
        lines = outdated(root) if args.check else write(root)
    except BuildError as exc:
        print("\n".join(exc.problems))
        return _error("the gold cannot be converted; nothing written", 1)
    if args.check:
        for line in lines:
            print(line)
        state = f"{len(lines)} file(s) out of date" if lines else "up to date"
        print(f"palmyra build --check: {state}", file=sys.stderr)
        return 1 if lines else 0
    for path in lines:
        print(f"wrote {path}" if (root / path).exists() else f"removed {path}")
    print(f"palmyra build: {len(lines) or 'no'} file(s) changed", file=sys.stderr)
    return 0
