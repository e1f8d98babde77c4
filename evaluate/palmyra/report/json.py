"""The JSON rendering of scores (the contract of docs/scores.md), written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palmyra.annotations import write_atomic


def dumps(obj: Any) -> str:
    """2-space indented UTF-8 JSON with a trailing newline; NaN is refused (never valid)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write(obj: Any, path: Path | str) -> None:
    """Write the JSON of obj to path atomically: readers see the old file or the new one."""
    write_atomic(path, dumps(obj))
