"""Any spaCy pipeline as an extractor: `palmyra evaluate --extractor spacy:MODEL`.

MODEL is whatever `spacy.load` accepts: an installed package ("en_core_web_sm") or a folder
written by `nlp.to_disk`. The pipeline runs on the whole document text; its entities
(`doc.ents`) become entity mentions or numbers through a label map (labelmaps/*.yaml, or a
user's YAML file), and only those that start in an annotated zone are kept.

Options (`--option KEY=VALUE`):
  labelmap  ontonotes | conll | auto (default: auto, by the pipeline's labels) | PATH to YAML
  cluster   none (default: no cluster ids) | string (mentions of one exact string and type
            share a cluster, across documents too)
  layers    entities,numbers (default: both)
  trim      1 (default): cut spans to the corpus guidelines (no leading determiner or
            trailing possessive on names; numbers without "the", "ago", ...); 0: keep them
  disable   comma-separated pipeline components not to run (e.g. parser,lemmatizer)

Every entity mention is level NAM: a statistical NER tags names, not nominals or pronouns.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from palmyra.annotations import AnnotationDocument, Entity, Number, Span
from palmyra.corpus import Document
from palmyra.extractors import ExtractorError
from palmyra.extractors.numparse import Reading, read_number
from palmyra.ontology import load_ontology
from palmyra.tokenize import annotated_zone_types

BUILTIN_LABELMAPS = ("ontonotes", "conll")
OPTIONS = ("labelmap", "cluster", "layers", "trim", "disable")
LAYERS = ("entities", "numbers")
_LEADING = re.compile(r"^(?:(?:the|a|an)\s+)", re.IGNORECASE)
# Not ".": it ends abbreviations that are names ("U.S.").
_TRAILING = re.compile(r"(?:['\u2019]s?|[\s,;:!?])+$")


class SpacyAdapterError(ExtractorError):
    """The pipeline, its options or a label map are unusable (one line; exit code 2)."""


@dataclass(frozen=True)
class LabelMap:
    """Pipeline labels to corpus labels. A label mapped to None is dropped on purpose."""

    name: str
    entities: Mapping[str, str | None]
    numbers: Mapping[str, str | None]
    source: str = ""

    def labels(self) -> set[str]:
        return set(self.entities) | set(self.numbers)


def _check_section(data: dict, section: str, allowed: list[str], what: str,
                   source: str) -> dict:
    table = data.get(section) or {}
    if not isinstance(table, dict):
        raise SpacyAdapterError(f"{source}: {section}: expected a mapping of pipeline label "
                                f"to {what}, found {type(table).__name__}")
    for label, target in table.items():
        if target is not None and target not in allowed:
            raise SpacyAdapterError(
                f"{source}: {section}.{label}: unknown {what} {target!r} "
                f"(expected one of {', '.join(allowed)}, or null to drop)")
    return {str(k): v for k, v in table.items()}


def parse_labelmap(data: Any, source: str) -> LabelMap:
    """A label map from its YAML data, checked against the ontology."""
    if not isinstance(data, dict):
        raise SpacyAdapterError(f"{source}: expected a mapping with 'entities' and/or "
                                f"'numbers', found {type(data).__name__}")
    unknown = sorted(set(data) - {"name", "entities", "numbers"})
    if unknown:
        raise SpacyAdapterError(f"{source}: unknown key(s) {', '.join(unknown)} "
                                "(expected name, entities, numbers)")
    ontology = load_ontology()
    entities = _check_section(data, "entities", ontology.entity_types, "entity type", source)
    numbers = _check_section(data, "numbers", list(ontology.raw["number_kinds"]),
                             "number kind", source)
    both = sorted(set(entities) & set(numbers))
    if both:
        raise SpacyAdapterError(f"{source}: label(s) {', '.join(both)} in both entities and "
                                "numbers")
    return LabelMap(str(data.get("name", Path(source).stem)), entities, numbers, source)


def load_labelmap(spec: str) -> LabelMap:
    """A built-in label map by name, or a YAML file by path (read with yaml.safe_load)."""
    if spec in BUILTIN_LABELMAPS:
        ref = resources.files("palmyra.extractors") / "labelmaps" / f"{spec}.yaml"
        return parse_labelmap(yaml.safe_load(ref.read_text(encoding="utf-8")), spec)
    path = Path(spec)
    if not path.is_file():
        raise SpacyAdapterError(f"labelmap {spec}: no such file (built-in maps: "
                                f"{', '.join(BUILTIN_LABELMAPS)})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpacyAdapterError(f"{path}: cannot read the label map: {first}") from None
    return parse_labelmap(data, str(path))


def detect_labelmap(labels: set[str]) -> str:
    """'conll' for a pipeline with CoNLL labels (PER, MISC), else 'ontonotes'."""
    if "PERSON" not in labels and {"PER", "MISC"} & labels:
        return "conll"
    return "ontonotes"


def cluster_id(etype: str, text: str) -> str:
    """A cluster id for one exact string: readable slug + hash (so "IS" and "Is" differ)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80] or "x"
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"S:{etype}:{slug}-{digest}"


def publication_year(doc: Document) -> str | None:
    """The year of the document's `published` metadata (a dict with 'value', or a string)."""
    published = doc.metadata.get("published")
    value = published.get("value") if isinstance(published, dict) else published
    match = re.match(r"(\d{4})", value) if isinstance(value, str) else None
    return match.group(1) if match else None


def trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A name's span without a leading article or a trailing possessive or punctuation
    ("the BBC" -> "BBC", "Syria's" -> "Syria"; guidelines Part 1, 5.1)."""
    piece = text[start:end]
    lead = _LEADING.match(piece)
    if lead and lead.end() < len(piece):
        start += lead.end()
    tail = _TRAILING.search(text, start, end)
    if tail and tail.start() > start:
        end = tail.start()
    return start, end


def _whole(x: float | None) -> float | None:
    """4000.0 as 4000, so that the JSON reads like the gold; 5.5 stays."""
    return int(x) if x is not None and x == int(x) else x


def number_from(reading: Reading, span: Span) -> Number:
    """A prediction from a reading; bounds and vague numbers write value: null (rule 5.3)."""
    nulls: frozenset[str] = frozenset()
    if reading.kind != "date" and reading.qualifier in ("lower_bound", "upper_bound",
                                                         "range", "vague"):
        nulls = frozenset(k for k in ("value", "low", "high") if getattr(reading, k) is None)
    return Number(span, reading.kind, value=_whole(reading.value), low=_whole(reading.low),
                  high=_whole(reading.high),
                  timex=reading.timex, qualifier=reading.qualifier,
                  increment=True if reading.increment else None, unit=reading.unit,
                  explicit_nulls=nulls)


@dataclass
class SpacyExtractor:
    """Calls a loaded pipeline on a document; returns entities and numbers."""

    nlp: Any
    labelmap: LabelMap
    name: str
    cluster: str = "none"
    layers: tuple[str, ...] = LAYERS
    trim: bool = True
    # Pipeline labels that the label map does not name, with how often they were dropped.
    unmapped: Counter[str] = field(default_factory=Counter)

    def __call__(self, doc: Document) -> AnnotationDocument:
        parsed = self.nlp(doc.text)
        zones = annotated_zone_types(doc)
        year = publication_year(doc)
        entities: list[Entity] = []
        numbers: list[Number] = []
        for ent in parsed.ents:
            start, end, label = ent.start_char, ent.end_char, ent.label_
            if zones is not None and not doc.in_zones(start, end, zones):
                continue
            if label in self.labelmap.entities:
                entity = self._entity(doc.text, start, end, self.labelmap.entities[label])
                entities += [entity] if entity else []
            elif label in self.labelmap.numbers:
                number = self._number(doc.text, start, end, self.labelmap.numbers[label], year)
                numbers += [number] if number else []
            else:
                self.unmapped[label] += 1
        return AnnotationDocument(
            doc.doc_id, "prediction",
            entities=tuple(entities) if "entities" in self.layers else None,
            numbers=tuple(numbers) if "numbers" in self.layers else None,
            annotator=self.name)

    def _entity(self, text: str, start: int, end: int, etype: str | None) -> Entity | None:
        if etype is None:
            return None
        if self.trim:
            start, end = trim_name(text, start, end)
        span = Span(start, end, text[start:end])
        cluster = cluster_id(etype, span.text) if self.cluster == "string" else None
        return Entity(span, etype, level="NAM", cluster=cluster)

    def _number(self, text: str, start: int, end: int, kind: str | None,
                year: str | None) -> Number | None:
        if kind is None:
            return None
        reading = read_number(text[start:end], kind, year)
        if reading is None:
            return None  # no numeral: not a number in the corpus ("Sunday", "last year")
        if self.trim:
            start, end = start + reading.start, start + reading.end
        return number_from(reading, Span(start, end, text[start:end]))


def _flag(options: Mapping[str, str], key: str, default: bool) -> bool:
    value = options.get(key)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise SpacyAdapterError(f"spacy: option {key}={value!r}: expected 1 or 0")


def _parse_options(options: Mapping[str, str]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise SpacyAdapterError(f"spacy: unknown option(s) {', '.join(unknown)} "
                                f"(known: {', '.join(OPTIONS)})")
    cluster = options.get("cluster", "none")
    if cluster not in ("none", "string"):
        raise SpacyAdapterError(f"spacy: option cluster={cluster!r}: expected none or string")
    layers = tuple(x.strip() for x in options.get("layers", ",".join(LAYERS)).split(",")
                   if x.strip())
    bad = [x for x in layers if x not in LAYERS]
    if bad or not layers:
        raise SpacyAdapterError(f"spacy: option layers={options.get('layers')!r}: expected "
                                f"a comma-separated subset of {', '.join(LAYERS)}")
    disable = [x.strip() for x in options.get("disable", "").split(",") if x.strip()]
    return {"cluster": cluster, "layers": layers, "trim": _flag(options, "trim", True),
            "disable": disable, "labelmap": options.get("labelmap", "auto")}


def _load_pipeline(model: str, disable: list[str]) -> Any:
    try:
        import spacy
    except ImportError:
        raise SpacyAdapterError("spacy: spaCy is not installed: pip install "
                                "'palmyra-corpus[spacy]'") from None
    try:
        return spacy.load(model, disable=disable)
    except (OSError, ValueError, KeyError) as exc:
        # spaCy's messages are long and start with an error code: keep the first line.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = "" if Path(model).exists() else f" (install it: python -m spacy download {model})"
        raise SpacyAdapterError(f"spacy:{model}: cannot load the pipeline: {first}{hint}") \
            from None


def pipeline_labels(nlp: Any) -> set[str]:
    """Every label of every component (NER, entity ruler, ...) of the pipeline."""
    return {str(x) for labels in nlp.pipe_labels.values() for x in labels}


def make(model: str, options: dict[str, str]) -> SpacyExtractor:
    """The extractor for `spacy:MODEL` with `--option KEY=VALUE` options (module docstring)."""
    opts = _parse_options(options)
    spec = opts["labelmap"]
    # A named map is checked before the pipeline loads: a typo fails at once.
    labelmap = load_labelmap(spec) if spec != "auto" else None
    nlp = _load_pipeline(model, opts["disable"])
    if labelmap is None:
        labelmap = load_labelmap(detect_labelmap(pipeline_labels(nlp)))
    meta = nlp.meta
    name = (f"spacy:{model} ({meta.get('lang', '?')}_{meta.get('name', '?')} "
            f"{meta.get('version', '?')}, labelmap {labelmap.name})")
    return SpacyExtractor(nlp, labelmap, name, opts["cluster"], opts["layers"], opts["trim"])


__all__ = ["BUILTIN_LABELMAPS", "LabelMap", "SpacyAdapterError", "SpacyExtractor",
           "cluster_id", "detect_labelmap", "load_labelmap", "make", "parse_labelmap",
           "trim_name"]
