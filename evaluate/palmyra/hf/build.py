"""The generated files of a source checkout: data/<config>/test.jsonl for every configuration
and the front matter of README.md, computed from corpus/, annotations/ and schema/.

Data files are JSON Lines with one row per line, fields in declared feature order (absent
fields written as null), UTF-8 characters kept as they are (ensure_ascii=False) and a newline
after every row, so the same gold always gives the same bytes. Everything is written
atomically; `outdated` compares without writing anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import zip_longest
from pathlib import Path

from datasets import Dataset, Features

import palmyra
from palmyra.annotations import write_atomic
from palmyra.hf.card import ConfigCard, front_matter, replace_front_matter
from palmyra.hf.features import CONFIGS, SPLIT
from palmyra.hf.rows import config_rows, read_gold

DATA_DIR = "data"
README = "README.md"
SOURCE_DIRS = ("annotations", "corpus", "schema")
HINT = "(run palmyra build)"


def data_path(config: str) -> str:
    """A configuration's data file, relative to the repository root (as the card names it)."""
    return f"{DATA_DIR}/{config}/{SPLIT}.jsonl"


def jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def arrow_bytes(rows: list[dict], features: Features) -> int:
    """The size datasets records for a split (the Arrow table's bytes)."""
    return Dataset.from_list(rows, features=features).data.nbytes


def is_checkout(root: Path) -> bool:
    return all((root / name).is_dir() for name in SOURCE_DIRS)


def checkout_root() -> Path | None:
    """The repository root when palmyra runs from a source checkout (or an editable
    install of one); None in an installed wheel, which has no README.md or data/."""
    package = Path(palmyra.__file__).resolve().parent
    root = package.parents[1]
    return root if package.parent.name == "evaluate" and is_checkout(root) else None


def _read(path: Path) -> str | None:
    """A file's text exactly as stored (no newline translation), or None when absent."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""  # differs from any generated text: reported as out of date, then rewritten


def generate(root: Path) -> dict[str, str]:
    """Every generated file's expected text by path relative to `root`: the data files,
    then README.md (its current body under the generated front matter)."""
    gold = read_gold(root)
    files: dict[str, str] = {}
    cards: list[ConfigCard] = []
    for config in CONFIGS:
        features, rows = config_rows(config, gold)
        text = jsonl(rows)
        path = data_path(config)
        files[path] = text
        cards.append(ConfigCard(config, path, features, len(rows), arrow_bytes(rows, features),
                                len(text.encode("utf-8"))))
    files[README] = replace_front_matter(_read(root / README) or "", front_matter(cards))
    return files


def _stray(root: Path, expected: Iterable[str]) -> list[str]:
    """Data files below data/ that no configuration generates (a renamed or removed one)."""
    known = set(expected)
    found = (p.relative_to(root).as_posix() for p in (root / DATA_DIR).rglob("*.jsonl"))
    return sorted(p for p in found if p not in known)


def _first_difference(old: str, new: str) -> int:
    """The 1-based number of the first line that differs (lines end at "\n" only, as JSON
    Lines readers split them; str.splitlines would also break at U+2028 inside a string)."""
    pairs = zip_longest(old.split("\n"), new.split("\n"))
    return next(n for n, (a, b) in enumerate(pairs, 1) if a != b)


def outdated(root: Path) -> list[str]:
    """One line per generated file that differs from what the gold gives, or that should
    not be there; empty when everything is up to date. Writes nothing."""
    expected = generate(root)
    lines = []
    for path, text in expected.items():
        current = _read(root / path)
        what = "front matter" if path == README else "file"
        if current is None:
            lines.append(f"{path}: missing {HINT}")
        elif current != text:
            lines.append(f"{path}: {what} out of date from line "
                         f"{_first_difference(current, text)} {HINT}")
    lines.extend(f"{path}: not generated from the gold {HINT}"
                 for path in _stray(root, expected))
    return lines


def write(root: Path) -> list[str]:
    """Bring every generated file up to date; returns the paths written or removed."""
    expected = generate(root)
    changed = []
    for path, text in expected.items():
        target = root / path
        if _read(target) != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
            changed.append(path)
    for path in _stray(root, expected):
        (root / path).unlink()
        changed.append(path)
    return changed


__all__ = ["DATA_DIR", "README", "arrow_bytes", "checkout_root", "data_path", "generate",
           "is_checkout", "jsonl", "outdated", "write"]
