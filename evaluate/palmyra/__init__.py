"""palmyra-corpus: an annotated corpus of five news reports and a harness that scores extractors.

The package version is the dataset's version: the gold annotations, the schema and the
scorer change together, and a score's signature names the version it was computed with.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# Public functions exported lazily (PEP 562): `import palmyra` imports neither numpy nor
# datasets; the module that defines a name is imported on first access.
_LAZY = {"evaluate": "palmyra.evaluation", "compare": "palmyra.evaluation",
         "load_dataset": "palmyra.hf"}

__all__ = ["__version__", "compare", "evaluate", "load_dataset"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'palmyra' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
