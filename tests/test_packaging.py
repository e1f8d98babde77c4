"""The wheel is a complete, versioned copy of the dataset: built from this checkout, installed
into a fresh virtual environment, it loads documents and validates its own gold from outside
the checkout."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list, cwd: Path, **kw) -> subprocess.CompletedProcess:
    # No network: the wheel is installed from a file with --no-index, its dependencies come
    # from the system site-packages the venv can see.
    env = {**os.environ, "PIP_NO_INDEX": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300, **kw)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv (seeing the system site-packages) with the freshly built wheel installed."""
    tmp = tmp_path_factory.mktemp("packaging")
    built = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                  "--outdir", tmp / "dist", ROOT], cwd=tmp)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp / "dist").glob("palmyra_corpus-*.whl")
    env_dir = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                 env_dir], cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = env_dir / "bin" / "python"
    # --ignore-installed: the editable install of this checkout is visible through the
    # system site-packages; the wheel must be installed beside it, and win.
    installed = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                      "--no-index", "--ignore-installed", "--quiet", wheel], cwd=tmp)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return env_dir


def test_the_installed_package_loads_its_bundled_data(venv):
    code = ("import json, palmyra, palmyra.paths as p, palmyra.corpus as c, "
            "palmyra.annotations as a\n"
            "doc = c.load_document('palmyra-004')\n"
            "gold = a.load(p.annotations_dir() / 'palmyra-004.json')\n"
            "print(json.dumps({'module': palmyra.__file__, 'data': str(p.data_root()),"
            " 'version': palmyra.__version__, 'sha256': doc.sha256, 'doc_id': gold.doc_id,"
            " 'status': gold.status, 'slice': doc.text[514:535]}))")
    result = _run([venv / "bin" / "python", "-c", code], cwd=venv.parent)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    site = str(venv / "lib")
    assert found["module"].startswith(site) and found["data"].startswith(site)
    assert found["data"].endswith(os.path.join("palmyra", "_data"))
    assert found["sha256"] == "e15af6de3ccd405e95153a40a15a9152ecea3b18042b4687cc55ee0b071c25cc"
    assert (found["doc_id"], found["status"]) == ("palmyra-004", "gold")
    assert found["slice"] == "Governor Talal Barazi"


def test_the_installed_data_equals_the_checkout(venv):
    code = "import palmyra.paths as p; print(p.data_root())"
    data = Path(_run([venv / "bin" / "python", "-c", code], cwd=venv.parent).stdout.strip())
    for folder in ("corpus", "schema"):
        for path in (ROOT / folder).iterdir():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert hashlib.sha256((data / folder / path.name).read_bytes()).hexdigest() == \
                digest, path
    for path in (ROOT / "annotations").glob("*.json"):
        assert (data / "annotations" / path.name).read_bytes() == path.read_bytes(), path


def test_the_installed_command_validates_the_bundled_gold(venv):
    result = _run([venv / "bin" / "palmyra", "validate"], cwd=venv.parent)
    n_files = len(list((ROOT / "annotations").glob("*.json")))
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr
    assert result.stderr == f"palmyra validate: {n_files} files, 0 problems\n"


def test_the_installed_command_reports_bad_input(venv):
    bad = venv.parent / "palmyra-004.json"
    bad.write_text('{"schema_version": "1.0.0", "doc_id": "palmyra-004", "numbers": 3}\n',
                   encoding="utf-8")
    result = _run([venv / "bin" / "palmyra", "validate", bad.name], cwd=venv.parent)
    assert (result.returncode, result.stdout) == (
        1, "palmyra-004.json:$.numbers: expected array, found integer 3\n")
    assert "Traceback" not in result.stderr
