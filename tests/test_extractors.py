"""palmyra.extractors: the protocol, SPEC resolution (built-ins, module:callable, entry
points), option parsing and secret redaction, and the command line's errors for them."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from pathlib import Path

import pytest

from palmyra import cli
from palmyra.extractors import (
    ENTRY_POINT_GROUP,
    REDACTED,
    Extractor,
    ExtractorError,
    is_secret,
    load,
    parse_option,
    redact,
    slug,
)
from palmyra.extractors.baseline import Baseline

PLUGIN = '''
from palmyra.annotations import AnnotationDocument


def extract(doc):
    """An extractor function: no entities, no options."""
    return {"entities": []}


class Tagger:
    """A class extractor; options arrive as keyword arguments."""

    def __init__(self, threshold="0.5", api_key=None):
        self.threshold = float(threshold)
        self.api_key = api_key

    def __call__(self, doc):
        return AnnotationDocument(doc.doc_id, entities=())


def make_tagger():
    """A zero-argument factory."""
    return Tagger(threshold="0.25")


NOT_CALLABLE = 42
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable module `palmyra_test_plugin` written to a temporary folder."""
    (tmp_path / "palmyra_test_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "palmyra_test_plugin", raising=False)
    return "palmyra_test_plugin"


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch, plugin: str) -> None:
    """Two installed extractors, as a distribution's entry points would declare them."""
    group = [importlib.metadata.EntryPoint("fast-tagger", f"{plugin}:make_tagger",
                                           ENTRY_POINT_GROUP),
             importlib.metadata.EntryPoint("class-tagger", f"{plugin}:Tagger",
                                           ENTRY_POINT_GROUP),
             importlib.metadata.EntryPoint("broken", "no_such_module_xyz:thing",
                                           ENTRY_POINT_GROUP)]
    real = importlib.metadata.entry_points

    def fake(**params: str) -> object:
        if params.get("group") == ENTRY_POINT_GROUP:
            return group
        return real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)


def test_builtin_baseline() -> None:
    extractor = load("baseline")
    assert isinstance(extractor, Baseline)
    assert isinstance(extractor, Extractor)  # the runtime-checkable protocol
    assert extractor.layers == ("entities", "events", "numbers", "attributions")
    assert load(" baseline ", {"layers": "numbers,entities"}).layers == ("numbers", "entities")


def test_builtin_baseline_rejects_bad_options() -> None:
    with pytest.raises(ExtractorError) as bad:
        load("baseline", {"layers": "tokens"})
    assert bad.value.exit_code == 2
    assert bad.value.problems == ["baseline: option layers='tokens': expected a comma-separated "
                                  "list of entities, events, numbers, attributions"]
    with pytest.raises(ExtractorError, match=r"'baseline' does not accept the options colour"):
        load("baseline", {"colour": "red"})


def test_module_callable_function(plugin: str) -> None:
    import palmyra_test_plugin  # type: ignore[import-not-found]

    assert load(f"{plugin}:extract") is palmyra_test_plugin.extract
    with pytest.raises(ExtractorError, match="is a function and takes no options"):
        load(f"{plugin}:extract", {"x": "1"})


def test_module_callable_class_gets_options(plugin: str) -> None:
    tagger = load(f"{plugin}:Tagger", {"threshold": "0.9", "api_key": "s3cret"})
    assert type(tagger).__name__ == "Tagger"
    assert (tagger.threshold, tagger.api_key) == (0.9, "s3cret")
    assert load(f"{plugin}:Tagger").threshold == 0.5
    with pytest.raises(ExtractorError, match="does not accept the options colour"):
        load(f"{plugin}:Tagger", {"colour": "red"})


def test_module_callable_errors(plugin: str) -> None:
    with pytest.raises(ExtractorError, match=r"has no attribute 'missing'"):
        load(f"{plugin}:missing")
    with pytest.raises(ExtractorError, match=r"cannot import 'no_such_module_xyz'"):
        load("no_such_module_xyz:thing")
    with pytest.raises(ExtractorError, match=r"is a int, expected a callable"):
        load(f"{plugin}:NOT_CALLABLE")


def test_entry_points(entry_points: None) -> None:
    tagger = load("fast-tagger")  # a zero-argument factory
    assert type(tagger).__name__ == "Tagger" and tagger.threshold == 0.25
    tagger = load("class-tagger", {"threshold": "0.75"})  # a class: Class(**options)
    assert tagger.threshold == 0.75
    with pytest.raises(ExtractorError, match="does not accept the options threshold"):
        load("fast-tagger", {"threshold": "1"})
    with pytest.raises(ExtractorError) as broken:
        load("broken")
    assert broken.value.problems[0].startswith(
        "extractor 'broken': cannot load entry point 'no_such_module_xyz:thing': "
        "ModuleNotFoundError")


def test_builtin_names_come_before_entry_points(monkeypatch: pytest.MonkeyPatch,
                                                plugin: str) -> None:
    shadow = [importlib.metadata.EntryPoint("baseline", f"{plugin}:make_tagger",
                                            ENTRY_POINT_GROUP)]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: shadow)
    assert isinstance(load("baseline"), Baseline)


def test_unknown_spec_lists_builtins_and_entry_points(entry_points: None) -> None:
    with pytest.raises(ExtractorError) as unknown:
        load("nope")
    assert unknown.value.exit_code == 2
    assert unknown.value.problems == [
        "unknown extractor 'nope': expected a built-in (baseline, spacy:MODEL, llm), an entry "
        "point of the group 'palmyra.extractors' (broken, class-tagger, fast-tagger), or "
        "module:callable"]


def test_unknown_spec_without_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [])
    with pytest.raises(ExtractorError, match=r"\(none installed\)"):
        load("nope")


def test_adapters_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    # A module set to None in sys.modules cannot be imported: as if it did not exist.
    monkeypatch.setitem(sys.modules, "palmyra.extractors.spacy_adapter", None)
    monkeypatch.setitem(sys.modules, "palmyra.extractors.llm", None)
    with pytest.raises(ExtractorError) as spacy:
        load("spacy:en_core_web_sm")
    assert spacy.value.problems == ["extractor 'spacy:en_core_web_sm' is not available: "
                                    "palmyra.extractors.spacy_adapter is not installed"]
    with pytest.raises(ExtractorError) as llm:
        load("llm", {"model": "x"})
    assert llm.value.problems == ["extractor 'llm' is not available: palmyra.extractors.llm "
                                  "is not installed"]
    with pytest.raises(ExtractorError, match=r"needs a model: spacy:MODEL"):
        load("spacy")


def test_adapters_receive_model_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreed calls: spacy_adapter.make(model, options) and llm.make(options)."""
    import types

    calls: list[tuple] = []
    spacy = types.ModuleType("palmyra.extractors.spacy_adapter")
    spacy.make = lambda model, options: calls.append(("spacy", model, options)) or (lambda d: {})
    llm = types.ModuleType("palmyra.extractors.llm")
    llm.make = lambda options: calls.append(("llm", options)) or (lambda d: {})
    monkeypatch.setitem(sys.modules, "palmyra.extractors.spacy_adapter", spacy)
    monkeypatch.setitem(sys.modules, "palmyra.extractors.llm", llm)
    assert callable(load("spacy:en_core_web_sm", {"batch": "8"}))
    assert callable(load("llm", {"api_key": "k"}))
    assert calls == [("spacy", "en_core_web_sm", {"batch": "8"}), ("llm", {"api_key": "k"})]


def test_options_and_secrets() -> None:
    assert parse_option("model=gpt=4") == ("model", "gpt=4")
    assert parse_option(" temperature =0") == ("temperature", "0")
    assert parse_option("empty=") == ("empty", "")
    for bad in ("novalue", "=x"):
        with pytest.raises(ValueError, match="expected KEY=VALUE"):
            parse_option(bad)
    assert [k for k in ("api_key", "OPENAI_API_KEY", "token", "client_secret", "password",
                        "model", "keyword_list", "passwd") if is_secret(k)] == \
        ["api_key", "OPENAI_API_KEY", "token", "client_secret", "password", "keyword_list"]
    assert redact({"api_key": "abc", "model": "m", "Auth-Token": "t"}) == \
        {"api_key": REDACTED, "model": "m", "Auth-Token": REDACTED}


def test_slug() -> None:
    assert slug("baseline") == "baseline"
    assert slug("spacy:en_core_web_sm") == "spacy-en_core_web_sm"
    assert slug("my.pkg:Extractor") == "my.pkg-Extractor"
    assert slug("::") == "extractor"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_unknown_extractor_exits_2(tmp_path: Path, entry_points: None,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["evaluate", "--extractor", "nope", "--output-dir",
                           str(tmp_path / "run")], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("unknown extractor 'nope': expected a built-in (baseline, "
                               "spacy:MODEL, llm)")
    assert "(broken, class-tagger, fast-tagger)" in lines[0]
    assert not (tmp_path / "run").exists()  # nothing is written before the SPEC resolves


def test_cli_option_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = str(tmp_path / "run")
    base = ["evaluate", "--extractor", "baseline", "--output-dir", out_dir]
    with pytest.raises(SystemExit) as bad:  # argparse: not KEY=VALUE
        cli.main([*base, "--option", "novalue"])
    assert bad.value.code == 2
    assert "expected KEY=VALUE, found 'novalue'" in capsys.readouterr().err
    code, _, err = _run([*base, "--option", "a=1", "--option", "a=2"], capsys)
    assert code == 2 and "--option a: given more than once" in err
    code, _, err = _run([*base, "--option", "colour=red"], capsys)
    assert code == 2 and "does not accept the options colour" in err


def test_cli_finds_modules_in_the_current_folder(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "local_extractor_xyz.py").write_text(
        "def extract(doc):\n    return {'numbers': []}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "local_extractor_xyz", raising=False)
    code, out, err = _run(["evaluate", "--extractor", "local_extractor_xyz:extract",
                           "--output-dir", "run", "--bootstrap", "0"], capsys)
    assert code == 0, err
    assert "numbers (scores in %)" in out
    assert sorted(p.name for p in (tmp_path / "run").iterdir())[-1] == "run.json"
