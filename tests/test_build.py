"""`palmyra build`: the generated files (data/<config>/test.jsonl, README front matter) are
deterministic, up to date in the checkout, and reported precisely when the gold changes.
Every test that writes works on a copy of the needed folders in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from palmyra.cli import main
from palmyra.hf import CONFIGS
from palmyra.hf import build as hf_build
from palmyra.hf.build import data_path, generate, outdated, write
from palmyra.hf.card import split_front_matter
from palmyra.hf.rows import BuildError

ROOT = Path(__file__).resolve().parents[1]
HINT = "(run palmyra build)"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the build reads and writes (never the real checkout)."""
    root = tmp_path / "repo"
    for folder in ("annotations", "corpus", "schema", "data"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy2(ROOT / "README.md", root / "README.md")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    files = [*sorted((root / "data").rglob("*.jsonl")), root / "README.md"]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_the_committed_files_are_up_to_date():
    assert outdated(ROOT) == []


def test_check_exits_0_on_the_checkout(capsys):
    assert main(["build", "--check"]) == 0
    assert capsys.readouterr().err.strip() == "palmyra build --check: up to date"


def test_build_is_deterministic(checkout, tmp_path):
    shutil.rmtree(checkout / "data")
    # The copied README is current: only the data files are written.
    assert write(checkout) == [data_path(c) for c in CONFIGS]
    first = _snapshot(checkout)
    assert first == _snapshot(ROOT)  # the same bytes as the committed files
    assert write(checkout) == []  # nothing left to change: nothing rewritten
    again = tmp_path / "again"
    shutil.copytree(checkout, again)
    shutil.rmtree(again / "data")
    write(again)
    assert _snapshot(again) == first


def test_data_files_are_jsonl_in_declared_field_order(checkout):
    text = (checkout / data_path("entities")).read_bytes().decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 543  # a newline after every row
    row = json.loads(lines[0])
    assert list(row) == ["doc_id", "id", "start", "end", "text", "type", "level", "role",
                         "cluster", "note"]
    assert "\\u" not in text  # ensure_ascii=False: characters are written as they are


def test_check_names_each_file_a_gold_edit_changes(checkout, capsys):
    # palmyra-001's first mention becomes a name (NOM -> NAM): the entities and annotations
    # files change; the front matter does not (same rows, same sizes).
    n_000 = len(json.loads((checkout / "annotations/palmyra-000.json").read_text())
                ["entities"])
    _edit(checkout / "annotations/palmyra-001.json",
          lambda d: d["entities"][0].update(level={"NOM": "NAM"}[d["entities"][0]["level"]]))
    expected = [
        f"data/entities/test.jsonl: file out of date from line {n_000 + 1} {HINT}",
        f"data/annotations/test.jsonl: file out of date from line 2 {HINT}",
    ]
    assert outdated(checkout) == expected
    assert main(["build", "--check", "--root", str(checkout)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == expected
    assert err.strip() == "palmyra build --check: 2 file(s) out of date"
    before = _snapshot(checkout)
    assert main(["build", "--root", str(checkout)]) == 0
    assert capsys.readouterr().out.splitlines() == ["wrote data/entities/test.jsonl",
                                                    "wrote data/annotations/test.jsonl"]
    after = _snapshot(checkout)
    assert {p for p in after if after[p] != before[p]} == {"data/entities/test.jsonl",
                                                           "data/annotations/test.jsonl"}
    assert outdated(checkout) == []


def test_check_names_the_front_matter_when_sizes_change(checkout):
    _edit(checkout / "annotations/palmyra-000.json",
          lambda d: d["entities"][1].update(note="a longer note changes the Arrow size"))
    lines = outdated(checkout)
    assert [line.split(":")[0] for line in lines] == [
        "data/entities/test.jsonl", "data/annotations/test.jsonl", "README.md"]
    assert lines[0] == f"data/entities/test.jsonl: file out of date from line 2 {HINT}"
    assert lines[2].startswith("README.md: front matter out of date from line ")
    assert main(["build", "--root", str(checkout)]) == 0 and outdated(checkout) == []


def test_write_keeps_the_readme_body_and_replaces_the_front_matter(checkout):
    body = "# palmyra-corpus\n\nHand-written text, kept as it is.\n"
    (checkout / "README.md").write_text("---\nlicense: mit\n---\n" + body, encoding="utf-8")
    (checkout / "README.md").chmod(0o640)
    assert outdated(checkout) == [f"README.md: front matter out of date from line 2 {HINT}"]
    assert write(checkout) == ["README.md"]
    assert (checkout / "README.md").stat().st_mode & 0o777 == 0o640  # permissions kept
    readme = (checkout / "README.md").read_text(encoding="utf-8")
    yaml_text, kept = split_front_matter(readme)
    assert kept == body and yaml_text is not None and "license: other" in yaml_text
    assert readme == generate(checkout)["README.md"]


def test_check_reports_missing_and_stray_files(checkout):
    (checkout / data_path("numbers")).unlink()
    stray = checkout / "data" / "old" / "test.jsonl"
    stray.parent.mkdir()
    stray.write_text("{}\n", encoding="utf-8")
    assert outdated(checkout) == [
        f"data/numbers/test.jsonl: missing {HINT}",
        f"data/old/test.jsonl: not generated from the gold {HINT}",
    ]
    assert write(checkout) == ["data/numbers/test.jsonl", "data/old/test.jsonl"]
    assert not stray.exists() and outdated(checkout) == []


def test_an_undeclared_metadata_field_is_one_clear_problem(checkout, capsys):
    _edit(checkout / "corpus/palmyra-002.json", lambda d: d.update(section="World"))
    with pytest.raises(BuildError) as caught:
        generate(checkout)
    assert caught.value.problems == [
        "corpus/palmyra-002.json: $.section: no feature is declared for this field "
        "(palmyra.hf.features)"]
    before = _snapshot(checkout)
    assert main(["build", "--root", str(checkout)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == caught.value.problems
    assert "nothing written" in err and _snapshot(checkout) == before


def test_a_value_of_the_wrong_type_is_one_clear_problem(checkout):
    _edit(checkout / "corpus/palmyra-003.json",
          lambda d: d["outlet"].update(inferred="yes"))
    with pytest.raises(BuildError) as caught:
        generate(checkout)
    assert caught.value.problems == [
        "corpus/palmyra-003.json: $.outlet.inferred: expected bool, found a string"]


def test_invalid_gold_is_refused_with_the_validator_lines(checkout, capsys):
    _edit(checkout / "annotations/palmyra-004.json",
          lambda d: d["entities"][0].update(text="not the text"))
    before = _snapshot(checkout)
    assert main(["build", "--root", str(checkout)]) == 1
    out, err = capsys.readouterr()
    assert "palmyra-004.json" in out and "$.entities[0]" in out
    assert "the gold has" in err and "nothing built" in err
    assert _snapshot(checkout) == before


def test_outside_a_checkout_build_exits_2(tmp_path, monkeypatch, capsys):
    assert main(["build", "--root", str(tmp_path)]) == 2
    assert f"{tmp_path} is not a source checkout" in capsys.readouterr().err
    monkeypatch.setattr(hf_build, "checkout_root", lambda: None)  # as in an installed wheel
    assert main(["build", "--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("palmyra build: error: palmyra is not running from a source "
                          "checkout")
    assert "palmyra.load_dataset(config)" in err


def test_help_and_validate_do_not_import_datasets():
    import subprocess
    import sys

    code = ("import sys\n"
            "from palmyra.cli import main\n"
            "try:\n    main(['build', '--help'])\nexcept SystemExit:\n    pass\n"
            "main(['validate'])\n"
            "assert 'datasets' not in sys.modules, 'datasets imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
