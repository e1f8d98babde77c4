"""Start-up: `palmyra --help` and `palmyra validate` import only what they use.

Each command runs in a fresh interpreter, which then lists the modules it imported. Heavy
libraries (Hugging Face datasets and pyarrow, numpy, pandas, scikit-learn, scipy, torch,
spaCy) are imported only by the commands that need them: building the datasets, resampling
scores, running an extractor. The wall times are measured in benchmarks/bench_scale.py
--startup and reported in docs/scaling.md, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from palmyra.paths import annotations_dir

HEAVY = frozenset({"datasets", "pyarrow", "numpy", "pandas", "sklearn", "scipy", "torch",
                   "spacy", "transformers", "seqeval"})
# A command line that only parses arguments needs none of the validator's libraries either.
PARSING = HEAVY | {"jsonschema", "jsonschema_rs", "yaml"}

_PROBE = """
import json, os, sys
from palmyra.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
with open(os.environ["PALMYRA_MODULES"], "w", encoding="utf-8") as fh:
    json.dump(sorted({name.split(".")[0] for name in sys.modules}), fh)
"""


def imported(tmp_path: Path, *argv: str) -> set[str]:
    """The top-level packages a `palmyra ARGV` process imported."""
    listing = tmp_path / "modules.json"
    env = {**os.environ, "PALMYRA_MODULES": str(listing)}
    subprocess.run([sys.executable, "-c", _PROBE, *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return set(json.loads(listing.read_text(encoding="utf-8")))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["evaluate", "--help"],
                                  ["validate", "--help"], ["convert", "--help"],
                                  ["compare", "--help"], ["build", "--help"]],
                         ids=" ".join)
def test_help_imports_nothing_heavy(tmp_path: Path, argv: list[str]) -> None:
    modules = imported(tmp_path, *argv)
    assert "palmyra" in modules
    assert modules & PARSING == set()


def test_validate_the_bundled_gold_imports_nothing_heavy(tmp_path: Path) -> None:
    modules = imported(tmp_path, "validate")
    assert {"palmyra", "yaml"} <= modules  # it did validate (the ontology was read)
    assert modules & HEAVY == set()


def test_a_valid_document_is_checked_without_jsonschema(tmp_path: Path) -> None:
    """With jsonschema-rs answering "valid", jsonschema (0.1 s to import) describes only
    documents that fail."""
    from palmyra.validate import accelerated

    if not accelerated():
        pytest.skip("jsonschema-rs is not installed")
    valid = imported(tmp_path, "validate", str(annotations_dir() / "palmyra-004.json"))
    assert "jsonschema_rs" in valid
    assert "jsonschema" not in valid
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1.0.0", "doc_id": 4}', encoding="utf-8")
    assert "jsonschema" in imported(tmp_path, "validate", str(bad))
