"""Where the bundled data lives: inside an installed wheel, or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The folder holding corpus/, annotations/ and schema/.

    A wheel carries them in palmyra/_data; a source checkout (or an editable install)
    has them at the repository root, two levels above evaluate/palmyra/.
    """
    for root in (_PACKAGE / "_data", _PACKAGE.parents[1]):
        if (root / "corpus").is_dir() and (root / "schema").is_dir():
            return root
    raise FileNotFoundError(f"palmyra: bundled data not found beside {_PACKAGE}")


def corpus_dir() -> Path:
    return data_root() / "corpus"


def annotations_dir() -> Path:
    return data_root() / "annotations"


def schema_dir() -> Path:
    return data_root() / "schema"
