"""The `palmyra` command: a thin layer that parses arguments and calls the library.

Each subcommand lives in palmyra/commands/<name>.py with two functions:
  register(subparsers) -> None   adds its parser (cheap: no heavy imports at module level)
  run(args) -> int               does the work and returns the exit code
Exit codes: 0 success, 1 problems found in the input, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys

from palmyra import __version__

COMMANDS = ("validate", "evaluate", "compare", "agreement", "build", "convert", "claims")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="palmyra",
        description="palmyra-corpus: validate annotations and score extractors against the gold.",
    )
    parser.add_argument("--version", action="version", version=f"palmyra {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"palmyra.commands.{name}").register(subparsers)
    return parser


def _printable_output() -> None:
    """Print what cannot be encoded (a lone surrogate from a JSON escape, a file name that
    is not UTF-8, any character under a non-UTF-8 locale) as a backslash escape rather than
    failing with a traceback: standard error does this by default, standard output not."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # closed or detached: leave it
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _printable_output()
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error, as argparse does
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("palmyra: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
