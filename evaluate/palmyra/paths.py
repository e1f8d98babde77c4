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


# Files that may sit beside annotation documents in a folder and are not documents: the
# cross-document cluster registry, the claims layer, and a run's manifest.
REGISTRY_FILE = "clusters.json"
CLAIMS_FILE = "claims.json"
MANIFEST_FILE = "run.json"
NOT_DOCUMENTS = frozenset({REGISTRY_FILE, CLAIMS_FILE, MANIFEST_FILE})


def is_document_file(path: Path) -> bool:
    """A `<doc_id>.json` annotation document of a folder (not hidden, not one of
    NOT_DOCUMENTS)."""
    return (path.suffix == ".json" and path.name not in NOT_DOCUMENTS
            and not path.name.startswith("."))
