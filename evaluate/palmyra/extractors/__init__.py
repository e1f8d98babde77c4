"""Extractors: the protocol every extractor follows, and how a SPEC names one.

An extractor is any callable that takes a `palmyra.corpus.Document` and returns its
annotations: a `palmyra.annotations.AnnotationDocument`, or a dict in the JSON form of
schema/annotation.schema.json. Any subset of the layers may be returned, ids are optional,
and `schema_version`, `doc_id` and `status` are filled in by the runner when missing
(palmyra.extractors.run, which also validates every result).

A SPEC names an extractor (`load(spec, options)`):

  baseline          the built-in rule-based baseline (palmyra.extractors.baseline)
  spacy:MODEL       a spaCy pipeline (palmyra.extractors.spacy_adapter.make(MODEL, options))
  llm               a language-model prompt (palmyra.extractors.llm.make(options))
  NAME              an extractor installed by another distribution in the entry-point group
                    `palmyra.extractors`: the entry point names a factory (a class or a
                    function) that is called as `factory(**options)`, so with no options it
                    is a zero-argument factory; it returns the extractor
  module:attribute  any importable object: a class is instantiated as `Class(**options)`;
                    any other callable is the extractor itself and takes no options

Built-in names come first: an entry point named like a built-in is never loaded. Only the
module of the extractor named is imported (the spaCy and LLM adapters are imported only
when named), so naming the baseline costs nothing else. Every failure to resolve a SPEC is
an `ExtractorError`: one line, exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document
from palmyra.io import UsageError

ENTRY_POINT_GROUP = "palmyra.extractors"
BUILTINS = ("baseline", "spacy:MODEL", "llm")
# Option keys whose values are never written anywhere (the run manifest, messages).
SECRET_WORDS = ("key", "token", "secret", "password")
REDACTED = "<redacted>"

Prediction = AnnotationDocument | Mapping[str, Any]


@runtime_checkable
class Extractor(Protocol):
    """Reads one document and returns its predicted annotations."""

    def __call__(self, document: Document, /) -> Prediction: ...


class ExtractorError(UsageError):
    """A SPEC or its options cannot be used (one line; the command line exits 2)."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


def is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact(options: Mapping[str, str]) -> dict[str, str]:
    """The options with the value of every secret-looking key replaced."""
    return {k: REDACTED if is_secret(k) else v for k, v in options.items()}


def parse_option(text: str) -> tuple[str, str]:
    """`KEY=VALUE` -> (KEY, VALUE); the value may contain '=' and may be empty."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"expected KEY=VALUE, found {text!r}")
    return key, value


def slug(spec: str) -> str:
    """A file-name-safe form of a SPEC ("spacy:en_core_web_sm" -> "spacy-en_core_web_sm")."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", spec).strip("-.") or "extractor"


def installed() -> dict[str, importlib.metadata.EntryPoint]:
    """The extractors registered by installed distributions, by name."""
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _unknown(spec: str) -> ExtractorError:
    names = sorted(installed())
    plugins = ", ".join(names) if names else "none installed"
    return ExtractorError(
        f"unknown extractor {spec!r}: expected a built-in ({', '.join(BUILTINS)}), an entry "
        f"point of the group {ENTRY_POINT_GROUP!r} ({plugins}), or module:callable")


def _adapter(spec: str, module: str, make: Callable[[Any], Any], *args: Any) -> Any:
    """Import an adapter module when it is named; a missing module or dependency is one
    line ("not available"), never a traceback."""
    try:
        return make(importlib.import_module(module))(*args)
    except ImportError as exc:
        why = f"{module} is not installed" if getattr(exc, "name", None) == module else str(exc)
        raise ExtractorError(f"extractor {spec!r} is not available: {why}") from None
    except OSError as exc:  # e.g. a model that is not downloaded
        raise ExtractorError(f"extractor {spec!r} is not available: {exc}") from None


def _call(spec: str, factory: Callable[..., Any], options: Mapping[str, str]) -> Any:
    """factory(**options), with a clear line when it does not accept them."""
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as exc:
        raise ExtractorError(f"extractor {spec!r} does not accept the options "
                             f"{', '.join(sorted(options)) or '(none)'}: {exc}") from None
    except ValueError:
        pass  # no signature to check (a builtin): let the call decide
    return factory(**options)


def _import_object(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise _unknown(spec)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExtractorError(f"extractor {spec!r}: cannot import {module_name!r}: {exc}"
                             ) from None
    for part in attribute.split("."):
        if not hasattr(obj, part):
            raise ExtractorError(f"extractor {spec!r}: module {module_name!r} has no "
                                 f"attribute {attribute!r}")
        obj = getattr(obj, part)
    return obj


def _from_object(spec: str, obj: Any, options: Mapping[str, str]) -> Any:
    """module:callable: a class is a factory; any other callable is the extractor."""
    if inspect.isclass(obj):
        return _call(spec, obj, options)
    if not callable(obj):
        raise ExtractorError(f"extractor {spec!r} is a {type(obj).__name__}, expected a "
                             "callable taking a Document (or a class)")
    if options:
        raise ExtractorError(f"extractor {spec!r} is a function and takes no options; name a "
                             "class (instantiated as Class(**options)) to pass options")
    return obj


def _checked(spec: str, extractor: Any) -> Extractor:
    if not callable(extractor):
        raise ExtractorError(f"extractor {spec!r}: its factory returned a "
                             f"{type(extractor).__name__}, expected a callable")
    return extractor


def load(spec: str, options: Mapping[str, str] | None = None) -> Extractor:
    """The extractor a SPEC names, built with `options` (see the module docstring)."""
    options = dict(options or {})
    spec = spec.strip()
    if spec == "baseline":
        from palmyra.extractors import baseline

        return _checked(spec, _call(spec, baseline.make, options))
    if spec == "spacy" or spec.startswith("spacy:"):
        model = spec.partition(":")[2]
        if not model:
            raise ExtractorError("extractor 'spacy' needs a model: spacy:MODEL "
                                 "(e.g. spacy:en_core_web_sm)")
        return _checked(spec, _adapter(spec, "palmyra.extractors.spacy_adapter",
                                       lambda m: m.make, model, options))
    if spec == "llm":
        return _checked(spec, _adapter(spec, "palmyra.extractors.llm", lambda m: m.make,
                                       options))
    if ":" in spec:
        return _checked(spec, _from_object(spec, _import_object(spec), options))
    entry = installed().get(spec)
    if entry is None:
        raise _unknown(spec)
    try:
        factory = entry.load()
    except Exception as exc:  # a broken plugin is one line, whatever it raises
        raise ExtractorError(f"extractor {spec!r}: cannot load entry point {entry.value!r}: "
                             f"{type(exc).__name__}: {exc}") from None
    if not callable(factory):
        raise ExtractorError(f"extractor {spec!r}: entry point {entry.value!r} is not "
                             "callable, expected a factory returning an extractor")
    return _checked(spec, _call(spec, factory, options))


__all__ = ["BUILTINS", "ENTRY_POINT_GROUP", "REDACTED", "Extractor", "ExtractorError",
           "Prediction", "installed", "is_secret", "load", "parse_option", "redact", "slug"]
