"""The built-in `baseline` extractor: transparent rules over palmyra's own tokenizer.

It needs nothing beyond the package and is general: its word lists
(extractors/resources/lexicon.yaml, countries.tsv) are English and news-domain resources, not
words taken from the corpus texts. Every rule is stated in docs/extractors.md; in short:

- entities: runs of capitalized tokens (sentence-initial function words dropped, lower-case
  connectors such as "of" or "al" joining), typed by countries and their adjectives (GPE),
  titles before a name (PER), the name's last word (ORG, FAC, LOC, GPE heads), a classifier
  noun after it ("X group"), a place preposition before it ("in X"), then defaults; one type
  per surface string per document; level NAM; cluster id from the type and the normalized
  string, so identical strings of one type corefer within and across documents.
- numbers: regular expressions with number-word parsing, qualifiers, units, TimeML values.
- events: a trigger lexicon mapped to the ontology's types; realis OTHER after modal,
  negation, conditional or intention words; the subject (and object) name as arguments.
- attributions: reporting verbs and nouns, "according to", "quoted X as saying"; the source
  is the noun phrase before the cue, the content the clause after it or the quotation.

Only the annotated zones of a document are read (palmyra.tokenize.annotated_zone_types), so
the baseline never annotates bylines, credits or boilerplate. The extractor keeps no state
between documents: its output for a document never depends on what it read before.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import yaml

from palmyra.annotations import LAYERS, SCHEMA_VERSION, AnnotationDocument
from palmyra.corpus import Document, Zone
from palmyra.tokenize import annotated_zone_types, tokenization

RESOURCES = Path(__file__).resolve().parent / "resources"
NAME = "palmyra-baseline-1"  # the annotator field of every output; bump when rules change
QUOTES = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb"
OPEN_QUOTES = "\"\u2018\u201c\u00ab"
CLOSE_QUOTES = "\"\u2019\u201d\u00bb"
PUNCT_END = ".,;:!?"


# --- resources -----------------------------------------------------------------------------

def _read_countries(path: Path) -> frozenset[str]:
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for column in line.split("\t"):
            out.update(x.strip().lower() for x in column.split("|") if x.strip())
    return frozenset(out)


class _Words:
    """Lower-cased word sets of the lexicon, built once."""

    def __init__(self, raw: dict[str, Any], countries: frozenset[str]) -> None:
        self.raw = raw
        self.countries = countries
        self._sets: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> frozenset[str]:
        if name not in self._sets:
            self._sets[name] = frozenset(str(x).lower() for x in self.raw[name])
        return self._sets[name]


@cache
def lexicon() -> _Words:
    with open(RESOURCES / "lexicon.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return _Words(raw, _read_countries(RESOURCES / "countries.tsv"))


def _norm(word: str) -> str:
    """Lower case with typographic apostrophes made straight."""
    return word.lower().replace("\u2019", "'")


# --- the document as the rules read it -------------------------------------------------------

@dataclass
class _Text:
    """The tokens of a document's annotated zones, with sentence bounds [a, b)."""

    doc: Document
    starts: list[int]
    ends: list[int]
    words: list[str]
    lower: list[str]
    sentences: list[tuple[int, int]]
    zones: list[Zone]

    @classmethod
    def of(cls, doc: Document) -> _Text:
        tok = tokenization(doc, annotated_zone_types(doc))
        bounds = [*tok.sentence_starts, len(tok)]
        zone_types = annotated_zone_types(doc)
        zones = [z for z in (doc.zones or (Zone("body", 0, len(doc.text)),))
                 if zone_types is None or z.type in zone_types]
        return cls(doc, tok.starts, tok.ends, tok.texts, [_norm(t) for t in tok.texts],
                   list(pairwise(bounds)), zones)

    def span(self, i: int, j: int) -> dict[str, Any]:
        """The span of tokens [i, j)."""
        start, end = self.starts[i], self.ends[j - 1]
        return {"start": start, "end": end, "text": self.doc.text[start:end]}


def _is_capitalized(word: str) -> bool:
    """A name-like token: "Palmyra", "ISIS", "U.S.", "al-Assad" (an Arabic article before a
    capital), not a number or punctuation."""
    if word[:1].isupper():
        return True
    return re.match(r"(?:al|el|ad|ar|as|ash|at|az|ibn|bin|abu)-[A-Z]", word) is not None


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


# --- entities --------------------------------------------------------------------------------

# Evidence strength: a lexicon rule beats a context cue, which beats a default.
STRONG, CUE, DEFAULT = 3, 2, 1
TYPE_ORDER = ("GPE", "ORG", "PER", "FAC", "LOC")


@dataclass
class _Mention:
    i: int  # first token
    j: int  # end token (exclusive)
    type: str
    strength: int
    key: str = ""  # the normalized surface string


def _surface_key(text: str) -> str:
    return re.sub(r"\s+", " ", _norm(text)).strip()


def _typed_by_lexicon(words: Sequence[str], lex: _Words) -> str | None:
    """GPE for a country or adjective; a head word's type for the last word (or the word
    before a connector, "Ministry of Defence"); a prefix's type for the first word."""
    joined = _norm(" ".join(words))
    if joined in lex.countries or joined.removeprefix("the ") in lex.countries:
        return "GPE"
    heads = [words[-1]]
    connectors = [k for k, w in enumerate(words) if _norm(w) in lex["name_connectors"]]
    if connectors and connectors[0] > 0:
        heads.append(words[connectors[0] - 1])
    for head in heads:
        for kind, table in (("ORG", "org_heads"), ("FAC", "fac_heads"), ("LOC", "loc_heads"),
                            ("GPE", "gpe_heads")):
            if (len(words) > 1 or kind == "ORG") and _norm(head) in lex[table]:
                return kind
    first = _norm(words[0])
    if len(words) > 1 and first in lex["loc_prefixes"]:
        return "LOC"
    if len(words) > 1 and first in lex["fac_prefixes"]:
        return "FAC"
    return None


class _EntityRules:
    def __init__(self, text: _Text) -> None:
        self.t = text
        self.lex = lexicon()
        self.found: list[_Mention] = []
        # start offset -> end offset of mentions that cover part of a token ("Russian" in
        # "Russian-backed")
        self.partial: dict[int, int] = {}
        self._counts: Counter[str] | None = None

    def run(self) -> list[_Mention]:
        for a, b in self.t.sentences:
            self._sentence(a, b)
        self._acronyms_in_parentheses()
        self._drop_unsupported_sentence_starts()
        self._one_type_per_string()
        return sorted(self.found, key=lambda m: (m.i, m.j))

    # -- finding runs of capitalized tokens
    def _starts_run(self, k: int) -> bool:
        w = self.t.words[k]
        return (_is_capitalized(w) and self.t.lower[k] not in self.lex["months"]
                and self.t.lower[k] not in self.lex["weekdays"])

    def _sentence(self, a: int, b: int) -> None:
        k = a
        while k < b:
            if not self._starts_run(k):
                k += 1
                continue
            j = k + 1
            while j < b:
                name = self._starts_run(j) and not self._hyphen_prefix(j)
                joins = (self.t.lower[j] in self.lex["name_connectors"] and j + 1 < b
                         and self._starts_run(j + 1))
                if not (name or joins):
                    break
                j += 1
            if self._hyphen_prefix(k):
                self._prefix_mention(k)
                k += 1
                continue
            self._run(k, j, sentence_start=a)
            k = j

    def _hyphen_prefix(self, k: int) -> bool:
        """"Russian-backed", "UK-based": a country word or acronym before a lower-case part."""
        word = self.t.words[k]
        if "-" not in word:
            return False
        first, rest = word.split("-", 1)
        return (rest[:1].islower() and bool(first)
                and (first.lower() in self.lex.countries or _is_acronym(first)))

    def _prefix_mention(self, k: int) -> None:
        first = self.t.words[k].split("-", 1)[0]
        kind = "GPE" if first.lower() in self.lex.countries else "ORG"
        start = self.t.starts[k]
        self.found.append(_Mention(k, k + 1, kind, STRONG if kind == "GPE" else DEFAULT,
                                   _surface_key(first)))
        self.partial[start] = start + len(first)

    def _run(self, i: int, j: int, sentence_start: int) -> None:
        """Type the run of tokens [i, j) (function words, titles and connectors handled)."""
        lower, lex = self.t.lower, self.lex
        while i < j and not _is_acronym(self.t.words[i]) and (
                lower[i] in lex["function_words"] or (lower[i] in lex["titles"] and i + 1 == j)):
            i += 1
        while j > i and lower[j - 1] in lex["name_connectors"]:
            j -= 1
        if i >= j:
            return
        if (j - i == 1 and _is_acronym(self.t.words[i]) and lower[i] in lex["function_words"]
                and lower[i] not in lex.countries and self.shouted(self.t.words[i])):
            return  # a word in capitals for emphasis ("pushed OUT of the city")
        titled = self._after_title(i, j)
        if titled is not None:
            return
        words = self.t.words[i:j]
        kind = _typed_by_lexicon(words, lex)
        if kind is None and j - i > 1 and _norm(words[0]) in lex.countries:
            # "Syrian Kurds" with no head word: the adjective, then the rest on its own
            self._add(i, i + 1, "GPE", STRONG)
            self._run(i + 1, j, sentence_start)
            return
        if kind is not None:
            self._add(i, j, kind, STRONG)
            return
        kind = self._context_type(i, j)
        if kind is not None:
            self._add(i, j, kind, CUE)
            return
        if all(_is_acronym(w) for w in words):
            self._add(i, j, "ORG", DEFAULT)
        else:
            self._add(i, j, "PER" if j - i > 1 else "ORG", DEFAULT)

    def _after_title(self, i: int, j: int) -> bool | None:
        """A title with a name after it: the name is a person and the words before the
        title are typed on their own ("U.S. Defense Secretary Ash Carter"). None when the
        run holds no such title."""
        lower, lex = self.t.lower, self.lex
        titles = [k for k in range(i, j - 1) if lower[k] in lex["titles"]
                  and not _is_acronym(self.t.words[k])]
        if not titles:
            return None
        k = titles[-1] + 1
        while k < j and (lower[k] in lex["departments"] or lower[k] in ("of", "for")):
            k += 1
        if k >= j:
            return None
        self._add(k, j, "PER", STRONG)
        before = titles[0]
        while before > i and lower[before - 1] in lex["departments"]:
            before -= 1
        if before > i:
            self._run(i, before, sentence_start=-1)
        return True

    def _context_type(self, i: int, j: int) -> str | None:
        """A classifier noun after the name, or a place preposition right before it."""
        lower, lex = self.t.lower, self.lex
        if j < len(lower):
            for kind, nouns in _classifiers().items():
                if lower[j] in nouns:
                    return kind
        acronym = all(_is_acronym(w) for w in self.t.words[i:j])
        if i > 0 and lower[i - 1] in lex["place_prepositions"] and not acronym:
            return "GPE"  # "in X"; an unknown acronym is rarely a place ("in IS hands")
        if i > 1 and lower[i - 1] in ("and", "or") and self.found \
                and self.found[-1].j == i - 1 and self.found[-1].strength >= CUE:
            return self.found[-1].type  # "in Aleppo and Damascus": the first's type
        return None

    def shouted(self, word: str) -> bool:
        """A function word in capitals that occurs once in the document is emphasis; an
        acronym spelled like a function word ("IS") recurs."""
        if self._counts is None:
            self._counts = Counter(self.t.words)
        return self._counts[word] < 2

    def _add(self, i: int, j: int, kind: str, strength: int) -> None:
        text = " ".join(self.t.words[i:j])
        self.found.append(_Mention(i, j, kind, strength, _surface_key(text)))

    # -- document-level decisions
    def _acronyms_in_parentheses(self) -> None:
        """"Syrian Observatory for Human Rights (SOHR)": the acronym takes the type of the
        name before it."""
        by_end = {m.j: m for m in self.found}
        for m in self.found:
            if (m.j - m.i == 1 and _is_acronym(self.t.words[m.i]) and m.i >= 2
                    and self.t.words[m.i - 1] == "(" and m.j < len(self.t.words)
                    and self.t.words[m.j] == ")" and (m.i - 1) in by_end):
                m.type, m.strength = by_end[m.i - 1].type, STRONG

    def _drop_unsupported_sentence_starts(self) -> None:
        """A single capitalized word that opens a sentence may be any word ("Families",
        "Reports"): it is kept only with lexicon evidence, as an acronym, or when the same
        word is capitalized elsewhere in the document, not at a sentence start."""
        starts = {a for a, _ in self.t.sentences}
        elsewhere = {m.key for m in self.found if m.i not in starts}
        self.found = [m for m in self.found
                      if not (m.i in starts and m.j - m.i == 1 and m.strength < STRONG
                              and not _is_acronym(self.t.words[m.i])
                              and m.key not in elsewhere)]

    def _one_type_per_string(self) -> None:
        """Every mention of a string gets the type with the strongest evidence in the
        document (then the most frequent, then GPE, ORG, PER, FAC, LOC)."""
        votes: dict[str, Counter[tuple[int, str]]] = {}
        for m in self.found:
            votes.setdefault(m.key, Counter())[(m.strength, m.type)] += 1
        for m in self.found:
            best = max(votes[m.key].items(),
                       key=lambda kv: (kv[0][0], kv[1], -TYPE_ORDER.index(kv[0][1])))
            m.type = best[0][1]


@cache
def _classifiers() -> dict[str, frozenset[str]]:
    return {kind: frozenset(n.lower() for n in nouns)
            for kind, nouns in lexicon().raw["classifiers"].items()}


def _cluster_id(key: str, kind: str) -> str:
    """E:<type>:<slug of the normalized string>; a hash keeps it short and ASCII when
    needed. The type is part of the id: a cluster never mixes types, even when one string is
    typed differently in two documents (a validator warning otherwise)."""
    slug = re.sub(r"[^a-z0-9]+", "-", key).strip("-")
    if not slug or len(slug) > 100 or not key.isascii():
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
        slug = f"{slug[:80]}-{digest}".strip("-")
    return f"E:{kind}:{slug}"


def find_entities(text: _Text) -> list[dict[str, Any]]:
    rules = _EntityRules(text)
    out = []
    for n, m in enumerate(rules.run(), 1):
        span = text.span(m.i, m.j)
        end = rules.partial.get(span["start"])
        if end is not None and m.j - m.i == 1:
            span = {"start": span["start"], "end": end,
                    "text": text.doc.text[span["start"]:end]}
        out.append({"id": f"m{n}", **span, "type": m.type, "level": "NAM",
                    "cluster": _cluster_id(m.key, m.type)})
    return out


# --- numbers ---------------------------------------------------------------------------------

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
           "dozen": 12}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "twentieth": 20, "hundredth": 100,
}
_MAGNITUDES = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1000,
               "millions": 10**6, "billions": 10**9}
_MONTHS = {m: n for n, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], 1) for m in names}
# unit word -> (ontology unit, kind, TimeML letter or None)
_UNITS = {
    "second": ("second", "duration", "TS"), "minute": ("minute", "duration", "TM"),
    "hour": ("hour", "duration", "TH"), "day": ("day", "duration", "D"),
    "week": ("week", "duration", "W"), "month": ("month", "duration", "M"),
    "year": ("year", "duration", "Y"), "decade": ("decade", "duration", "DE"),
    "century": ("century", "duration", "CE"),
    "square mile": ("mi2", "area", None), "square kilometre": ("km2", "area", None),
    "square kilometer": ("km2", "area", None), "sq km": ("km2", "area", None),
    "km2": ("km2", "area", None), "square metre": ("m2", "area", None),
    "square meter": ("m2", "area", None), "hectare": ("hectare", "area", None),
    "kilometre": ("km", "other", None), "kilometer": ("km", "other", None),
    "km": ("km", "other", None), "mile": ("mi", "other", None),
    "metre": ("m", "other", None), "meter": ("m", "other", None),
    "percent": ("percent", "proportion", None), "per cent": ("percent", "proportion", None),
    "%": ("percent", "proportion", None),
    "dollar": ("USD", "other", None), "pound": ("GBP", "other", None),
    "euro": ("EUR", "other", None),
}
_CURRENCY = {"$": "USD", "£": "GBP", "€": "EUR"}
_QUALIFIERS = {
    "about": "approximate", "around": "approximate", "nearly": "approximate",
    "almost": "approximate", "roughly": "approximate", "approximately": "approximate",
    "some": "approximate", "an estimated": "approximate", "up to": "upper_bound",
    "fewer than": "upper_bound", "less than": "upper_bound", "at most": "upper_bound",
    "no more than": "upper_bound", "more than": "lower_bound", "over": "lower_bound",
    "at least": "lower_bound", "upwards of": "lower_bound",
}
_INCREMENT_BEFORE = ("additional", "another", "extra")
_TEMPORAL_PREPOSITIONS = frozenset((
    "in", "since", "until", "till", "by", "from", "to", "before", "after", "during", "of",
    "throughout", "early", "late", "mid", "mid-", "circa", "around"))

_WORDNUM = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:one|two|"
            r"three|four|five|six|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|"
            r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
            r"eighteen|nineteen|hundred|thousand|million|billion|dozen)")
_WORDS = rf"{_WORDNUM}(?:(?:\s+|-)(?:and(?:\s+|-))?{_WORDNUM})*"
_HALF = r"(?:(?:\s+|-)and(?:\s+|-)a(?:\s+|-)half)"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM = (rf"(?:(?:{_DIGITS})(?:\s+(?:million|billion|thousand|hundred))?{_HALF}?"
        rf"|{_WORDS}{_HALF}?)")
_QUAL = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
_PRE = rf"(?:(?P<qual>{_QUAL})\s+|(?P<inc>{'|'.join(_INCREMENT_BEFORE)})\s+)?"
_UNIT_WORDS = "|".join(sorted((re.escape(u) for u in _UNITS if u != "%"), key=len,
                              reverse=True))
_B = r"(?<![\w@.,/-])"  # a number starts at a word boundary (not inside 4,000 or an email)
_E = r"(?![\w@]|[.,]\d)"
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_RE_AGE = re.compile(rf"{_B}{_PRE}(?P<num>{_NUM})(?:\s+|-)years?(?:\s+|-)old{_E}", re.I)
_RE_MEASURE = re.compile(
    rf"{_B}{_PRE}(?P<num>{_NUM})(?:\s+|-)(?P<unit>{_UNIT_WORDS})(?:s|es)?{_E}", re.I)
_RE_PERCENT = re.compile(rf"{_B}{_PRE}(?P<num>{_DIGITS})(?P<unit>%)", re.I)
_RE_MONEY = re.compile(rf"(?<![\w])(?P<cur>[$£€])\s?"
                       rf"(?P<num>{_DIGITS}(?:\s+(?:million|billion))?){_E}")
_RE_DATE_MDY = re.compile(rf"{_B}(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
                          rf"(?P<y>\d{{4}}){_E}", re.I)
_RE_DATE_DMY = re.compile(rf"{_B}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\.?,?\s+"
                          rf"(?P<y>\d{{4}}){_E}", re.I)
_RE_DATE_MY = re.compile(rf"{_B}(?P<m>{_MONTH})\.?,?\s+(?P<y>\d{{4}}){_E}", re.I)
_RE_DATE_MD = re.compile(rf"{_B}(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
                         rf"(?![\w@]|[.,]?\s*\d)", re.I)
_RE_YEAR = re.compile(rf"{_B}(?P<y>1[89]\d\d|20\d\d){_E}")
_RE_RANGE = re.compile(rf"{_B}(?:(?P<between>between)\s+(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})"
                       rf"|(?:from\s+)?(?P<a2>{_DIGITS})\s*(?:to|-|\u2013)\s*(?P<b2>{_DIGITS})){_E}",
                       re.I)
_RE_MAGNITUDE = re.compile(rf"{_B}(?P<mag>(?:tens|hundreds)\s+of\s+(?:thousands|millions)"
                           rf"|{'|'.join(_MAGNITUDES)}){_E}", re.I)
_RE_ORDINAL = re.compile(rf"{_B}(?P<ord>{'|'.join(_ORDINALS)}|\d+(?:st|nd|rd|th)){_E}", re.I)
_RE_COUNT = re.compile(rf"{_B}{_PRE}(?P<num>{_NUM})(?P<more>\s+more)?{_E}", re.I)


def parse_number(text: str) -> float | None:
    """The value of a numeral: "4,000" 4000, "2.5 million" 2500000, "twenty-five" 25,
    "two hundred and ten" 210, "five-and-a-half" 5.5. None when it is not one."""
    s = text.lower().strip()
    half = 0.0
    m = re.search(_HALF + "$", s)
    if m:
        s, half = s[:m.start()], 0.5
    m = re.fullmatch(rf"({_DIGITS})(?:\s+(million|billion|thousand|hundred))?", s)
    if m:
        value = float(m.group(1).replace(",", ""))
        return value * (_SCALES[m.group(2)] if m.group(2) else 1) + half
    total, current = 0, 0
    words = [w for w in re.split(r"[\s-]+", s) if w and w != "and"]
    if not words:
        return None
    for w in words:
        if w in _UNITS_WORDS:
            current += _UNITS_WORDS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _SCALES:
            total += max(current, 1) * _SCALES[w]
            current = 0
        else:
            return None
    return float(total + current) + half


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _timex_duration(value: float, letter: str) -> str:
    if letter == "DE":
        value, letter = value * 10, "Y"
    elif letter == "CE":
        value, letter = value * 100, "Y"
    amount = str(_plain(value))
    return f"PT{amount}{letter[1]}" if letter.startswith("T") else f"P{amount}{letter}"


def _value_fields(qualifier: str, value: float) -> dict[str, Any]:
    """value / low / high as rule 5.1 of the number guidelines writes them."""
    v = _plain(value)
    if qualifier == "lower_bound":
        return {"value": None, "low": v, "high": None}
    if qualifier == "upper_bound":
        return {"value": None, "low": None, "high": v}
    return {"value": v}


@dataclass(order=True)
class _Candidate:
    start: int
    end: int
    priority: int  # lower wins among equal spans
    fields: dict[str, Any] = field(compare=False)


def _qualified(m: re.Match[str], kind: str, value: float, extra: dict[str, Any]
               ) -> dict[str, Any]:
    qualifier = _QUALIFIERS.get(_norm(" ".join((m.group("qual") or "").split())), "exact")
    out: dict[str, Any] = {"kind": kind, **_value_fields(qualifier, value),
                           "qualifier": qualifier, **extra}
    if m.group("inc"):
        out["increment"] = True
    return out


class _NumberRules:
    def __init__(self, text: _Text) -> None:
        self.t = text
        self.doc = text.doc
        self.year = self._publication_year()
        self.found: list[_Candidate] = []

    def _publication_year(self) -> int | None:
        published = self.doc.metadata.get("published")
        value = published.get("value") if isinstance(published, dict) else published
        m = re.match(r"(\d{4})", value) if isinstance(value, str) else None
        return int(m.group(1)) if m else None

    def run(self) -> list[dict[str, Any]]:
        for zone in self.t.zones:
            for finder, priority in ((self._dates, 0), (self._ages, 1), (self._measures, 1),
                                     (self._money, 1), (self._ranges, 2),
                                     (self._magnitudes, 2), (self._counts, 3),
                                     (self._ordinals, 3), (self._years, 2)):
                for start, end, fields in finder(zone):
                    self.found.append(_Candidate(start, end, priority, fields))
        return self._resolve()

    def _resolve(self) -> list[dict[str, Any]]:
        """Non-overlapping spans: the longest first, then the stronger pattern."""
        chosen: list[_Candidate] = []  # kept sorted by start; they never overlap
        starts: list[int] = []
        for c in sorted(self.found, key=lambda c: (c.start - c.end, c.priority, c.start)):
            k = bisect_left(starts, c.start)
            if (k > 0 and chosen[k - 1].end > c.start) or (k < len(chosen)
                                                           and chosen[k].start < c.end):
                continue
            chosen.insert(k, c)
            starts.insert(k, c.start)
        out = []
        for c in sorted(chosen):
            out.append({"start": c.start, "end": c.end, "text": self.doc.text[c.start:c.end],
                        **c.fields})
        return out

    def _scan(self, pattern: re.Pattern[str], zone: Zone) -> Iterable[re.Match[str]]:
        return pattern.finditer(self.doc.text, zone.start, zone.end)

    def _dates(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for pattern in (_RE_DATE_MDY, _RE_DATE_DMY):
            for m in self._scan(pattern, zone):
                timex = _date(int(m.group("y")), _MONTHS[m.group("m").lower()],
                              int(m.group("d")))
                if timex:
                    yield m.start(), m.end(), {"kind": "date", "timex": timex,
                                               "qualifier": "exact"}
        for m in self._scan(_RE_DATE_MY, zone):
            timex = f"{int(m.group('y')):04d}-{_MONTHS[m.group('m').lower()]:02d}"
            yield m.start(), m.end(), {"kind": "date", "timex": timex, "qualifier": "exact"}
        if self.year is not None:  # a date without its year: the publication year
            for m in self._scan(_RE_DATE_MD, zone):
                if m.group("m").lower() == "may" and not m.group("m")[0].isupper():
                    continue  # the verb "may"
                timex = _date(self.year, _MONTHS[m.group("m").lower()], int(m.group("d")))
                if timex:
                    yield m.start(), m.end(), {"kind": "date", "timex": timex,
                                               "qualifier": "exact"}

    def _years(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        """A year: a four-digit number from 1800 to 2099 after a temporal preposition, or
        followed by punctuation or the end of its zone (else it is read as a count)."""
        text = self.doc.text
        for m in self._scan(_RE_YEAR, zone):
            before = re.findall(r"[\w-]+", text[max(zone.start, m.start() - 12):m.start()])
            after = text[m.end():zone.end].lstrip(" ")
            if ((before and before[-1].lower() in _TEMPORAL_PREPOSITIONS)
                    or not after or after[0] in PUNCT_END + ")\n"):
                yield m.start(), m.end(), {"kind": "date", "timex": m.group("y"),
                                           "qualifier": "exact"}

    def _ages(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for m in self._scan(_RE_AGE, zone):
            value = parse_number(m.group("num"))
            if value is not None:
                yield m.start(), m.end(), _qualified(
                    m, "age", value, {"timex": _timex_duration(value, "Y"), "unit": "year"})

    def _measures(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for m in chain(self._scan(_RE_MEASURE, zone), self._scan(_RE_PERCENT, zone)):
            unit_word = _norm(" ".join(m.group("unit").split()))
            unit_word = {"centurie": "century"}.get(unit_word, unit_word)
            value = parse_number(m.group("num"))
            if value is None or unit_word not in _UNITS:
                continue
            unit, kind, letter = _UNITS[unit_word]
            extra: dict[str, Any] = {"unit": unit}
            if letter is not None:
                extra["timex"] = _timex_duration(value, letter)
            yield m.start(), m.end(), _qualified(m, kind, value, extra)

    def _money(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for m in self._scan(_RE_MONEY, zone):
            value = parse_number(m.group("num"))
            if value is not None:
                yield m.start(), m.end(), {"kind": "other", "value": _plain(value),
                                           "qualifier": "exact",
                                           "unit": _CURRENCY[m.group("cur")]}

    def _ranges(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for m in self._scan(_RE_RANGE, zone):
            low = parse_number(m.group("a") or m.group("a2"))
            high = parse_number(m.group("b") or m.group("b2"))
            if low is None or high is None or low >= high:
                continue
            yield m.start(), m.end(), {"kind": "count", "value": None, "low": _plain(low),
                                       "high": _plain(high), "qualifier": "range"}

    def _magnitudes(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        """"hundreds (of)": low = 2 x 100, high = 10 x 100 - 1, qualifier vague."""
        for m in self._scan(_RE_MAGNITUDE, zone):
            words = m.group("mag").lower().split()
            unit = _MAGNITUDES[words[-1]] * (10 if words[0] == "tens" else 1) \
                * (100 if words[0] == "hundreds" and len(words) > 1 else 1)
            yield m.start(), m.end(), {"kind": "count", "value": None, "low": 2 * unit,
                                       "high": 10 * unit - 1, "qualifier": "vague"}

    def _counts(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        """Any other numeral is a count; a bare "one" is not ("one ... another")."""
        for m in self._scan(_RE_COUNT, zone):
            value = parse_number(m.group("num"))
            if value is None or (m.group("num").lower() == "one" and not m.group("qual")):
                continue
            if re.fullmatch(r"(?:hundred|thousand|million|billion|dozen)",
                            m.group("num").lower()):
                continue  # a scale word alone ("a hundred" is left to the reader)
            end = m.end()
            fields = _qualified(m, "count", value, {})
            if m.group("more") and not m.group("qual"):
                fields["increment"] = True
            else:
                end = m.end("num")
            yield m.start(), end, fields

    def _ordinals(self, zone: Zone) -> Iterable[tuple[int, int, dict[str, Any]]]:
        for m in self._scan(_RE_ORDINAL, zone):
            word = m.group("ord").lower()
            value = _ORDINALS.get(word) or int(re.match(r"\d+", word).group())  # type: ignore[union-attr]
            yield m.start(), m.end(), {"kind": "ordinal", "value": value, "qualifier": "exact"}


def _date(year: int, month: int, day: int) -> str | None:
    import datetime

    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_numbers(text: _Text) -> list[dict[str, Any]]:
    out = _NumberRules(text).run()
    return [{"id": f"n{k}", **n} for k, n in enumerate(out, 1)]


# --- events ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Trigger:
    words: tuple[str, ...]
    type: str
    pos: str  # verb, intransitive, noun


@cache
def _triggers() -> dict[str, list[_Trigger]]:
    """First word -> triggers starting with it, longest first."""
    table: dict[str, list[_Trigger]] = {}
    for etype, groups in lexicon().raw["events"].items():
        for group, forms in groups.items():
            pos = {"verbs": "verb", "nouns": "noun"}.get(group, group)
            for form in forms:
                words = tuple(_norm(w) for w in str(form).split())
                table.setdefault(words[0], []).append(_Trigger(words, etype, pos))
    for options in table.values():
        # longest first; a verb reading before a noun reading of the same form
        options.sort(key=lambda t: (-len(t.words), t.pos == "noun"))
    return table


def _is_irrealis(t: _Text, i: int, a: int) -> bool:
    """A modal, negation, conditional or intention word shortly before the trigger (within
    four tokens, not across a comma), or "to" right before a verb trigger."""
    irrealis = lexicon()["irrealis_words"]
    k = i - 1
    while k >= max(a, i - 4) and t.words[k] not in ",;:":
        w = t.lower[k]
        if w in irrealis or w.endswith("n't") or w.endswith("'ll"):
            return True
        k -= 1
    return False


def find_events(text: _Text, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table, roles, lex = _triggers(), lexicon().raw["event_roles"], lexicon()
    by_end = {e["end"]: e for e in entities}
    by_start = {e["start"]: e for e in entities}
    out: list[dict[str, Any]] = []
    for a, b in text.sentences:
        i = a
        while i < b:
            trigger = next((tr for tr in table.get(text.lower[i], ())
                            if tuple(text.lower[i:i + len(tr.words)]) == tr.words), None)
            if trigger is None:
                i += 1
                continue
            j = i + len(trigger.words)
            irrealis = _is_irrealis(text, i, a) or (
                trigger.pos != "noun" and i > a and text.lower[i - 1] == "to")
            event: dict[str, Any] = {"id": f"ev{len(out) + 1}", "trigger": text.span(i, j),
                                     "type": trigger.type,
                                     "realis": "OTHER" if irrealis else "ACTUAL"}
            args = _arguments(text, i, j, a, b, trigger, roles[trigger.type], by_end,
                              by_start, lex)
            if args:
                event["arguments"] = args
            out.append(event)
            i = j
    return out


def _arguments(t: _Text, i: int, j: int, a: int, b: int, trigger: _Trigger,
               roles: Sequence[str], by_end: dict[int, dict], by_start: dict[int, dict],
               lex: _Words) -> list[dict[str, Any]]:
    """The subject: the name ending right before the verb (auxiliaries and adverbs
    between); passive voice gives the undergoer role. The object: the name right after an
    active transitive verb ("the" between allowed)."""
    if trigger.pos == "noun":
        return []
    out = []
    k = i - 1
    passive = False
    while k >= a and t.lower[k] in lex["auxiliaries"]:
        passive = passive or t.lower[k] in lex["be_forms"]
        k -= 1
    if trigger.pos == "verb" and passive and not t.lower[i].endswith(("ed", "en", "n", "t")):
        passive = False  # "is fighting": a progressive, not a passive
    subject = by_end.get(t.ends[k]) if k >= a else None
    if subject is not None:
        role = roles[1] if (passive or trigger.pos == "intransitive") else roles[0]
        if trigger.type == "Life.Die" and trigger.pos == "intransitive":
            role = "Victim"
        out.append({"role": role, "mention": subject["id"]})
    if trigger.pos == "verb" and not passive and j < b:
        k = j + 1 if t.lower[j] == "the" and j + 1 < b else j
        obj = by_start.get(t.starts[k])
        if obj is not None and obj is not subject:
            out.append({"role": roles[1], "mention": obj["id"]})
    return out


# --- attributions ----------------------------------------------------------------------------

_SOURCE_STOPS = frozenset((
    "that", "which", "who", "whom", "while", "when", "because", "but", "if", "as", "after",
    "before", "since", "although", "though", "where", "so", "to"))
_LEADING_PREPOSITIONS = frozenset((
    "in", "on", "at", "by", "for", "from", "with", "of", "into", "during", "after", "before",
    "under", "over"))


@dataclass(eq=False)
class _Attribution:
    cue: list[tuple[int, int]]
    content: list[tuple[int, int]] = field(default_factory=list)
    source: tuple[int, int] | None = None
    implicit: str | None = None
    hedged: bool = False
    clause_start: int = 0  # where this attribution's words begin (cuts an earlier content)
    parent: _Attribution | None = None  # the attribution whose content holds this one
    content_after: bool = True  # the content follows the cue (a later clause cuts it)


class _AttributionRules:
    def __init__(self, text: _Text) -> None:
        self.t = text
        self.lex = lexicon()
        verbs = self.lex.raw["reporting_verbs"]
        self.verb_of = {_norm(form): lemma for lemma, forms in verbs.items() for form in forms}
        self.used: set[int] = set()  # tokens already part of an attribution's cue or source

    def run(self) -> list[_Attribution]:
        out: list[_Attribution] = []
        for a, b in self.t.sentences:
            found = self._sentence(a, b)
            self._cut_contents(found)
            out += [x for x in found if x.content]
        return out

    # -- cues
    def _sentence(self, a: int, b: int) -> list[_Attribution]:
        t, found = self.t, []
        for k in range(a, b):
            if k in self.used:
                continue
            w = t.lower[k]
            att: _Attribution | list[_Attribution] | None = None
            if w == "according" and k + 1 < b and t.lower[k + 1] == "to":
                att = self._according_to(k, a, b)
            elif w == "as" and t.lower[k + 1:k + 3] in (["quoted", "by"], ["reported", "by"]):
                att = self._as_quoted_by(k, a, b, found)
            elif w == "quoted":
                att = self._quoted(k, a, b)
            elif w in self.verb_of and self._is_verb(k, a):
                att = self._verb_cue(k, a, b, found)
            elif w in self.lex["reporting_nouns"] and k + 1 < b and t.lower[k + 1] == "that":
                att = self._noun_cue(k, a, b)
            for x in (att if isinstance(att, list) else [att] if att else []):
                for i, j in [*x.cue, *([x.source] if x.source else [])]:
                    self.used.update(range(i, j))
                found.append(x)
        return found

    def _is_verb(self, k: int, a: int) -> bool:
        """A form that may be a noun ("report", "claims") is a verb unless a determiner, a
        possessive or an adjective-like word ("unconfirmed", "official") comes before it."""
        t = self.t
        if t.lower[k] not in self.lex["noun_or_verb"]:
            return True
        if k == a:
            return False
        prev = t.lower[k - 1]
        if prev in self.lex["pronouns"] or _is_capitalized(t.words[k - 1]):
            return True
        return not (prev in self.lex["function_words"] or prev in ("'s", "\u2019s")
                    or prev.endswith(("ed", "al", "ial")) or prev in self.lex["premodifiers"])

    def _according_to(self, k: int, a: int, b: int) -> _Attribution:
        """"According to X, CONTENT." or "CONTENT, according to X."."""
        t = self.t
        end = k + 2
        while end < b and t.words[end] not in ",;:" and not self._sentence_end(end, b):
            end += 1
        att = _Attribution(cue=[(k, k + 2)], source=(k + 2, end) if end > k + 2 else None,
                           clause_start=k)
        if k > a and t.words[k - 1] in ",;:":  # "CONTENT, according to X."
            att.content = [(a, k - 1)]
            att.content_after = False
        elif end < b and t.words[end] == ",":
            att.content = [(end + 1, b)]
        self._hedge(att)
        return att

    def _as_quoted_by(self, k: int, a: int, b: int, found: list[_Attribution]
                      ) -> _Attribution | None:
        """"CONTENT, as quoted by X.": X's attribution holds the sentence before it, and
        the attributions found there are nested in it."""
        t = self.t
        end = k + 3
        while end < b and t.words[end] not in ",;:" and not self._sentence_end(end, b):
            end += 1
        if end == k + 3 or k - 1 <= a:
            return None
        att = _Attribution(cue=[(k, k + 3)], source=(k + 3, end), clause_start=k,
                           content=[(a, k - 1)], content_after=False)
        for inner in found:
            inner.parent = att
        self._hedge(att)
        return att

    def _quoted(self, k: int, a: int, b: int) -> list[_Attribution]:
        """"X quoted Y as saying CONTENT" (or "CONTENT, X quoted Y as saying."), and the
        passive "Y was quoted (on/by X) as saying CONTENT": X's attribution ("quoted")
        holds Y's ("as saying")."""
        t = self.t
        m = next((x for x in range(k + 1, min(b - 1, k + 10))
                  if t.lower[x] == "as" and t.lower[x + 1] == "saying"), None)
        if m is None:
            return []
        s = k - 1
        while s >= a and t.lower[s] in self.lex["auxiliaries"] \
                and t.lower[s] not in self.lex["be_forms"]:
            s -= 1
        passive = s >= a and t.lower[s] in self.lex["be_forms"]
        if passive:
            inner_source = self._source_before(s + 1, a)
            between = (k + 2, m) if k + 1 < m and t.lower[k + 1] in ("on", "by", "in") else None
            outer_source = between if between and between[0] < between[1] else None
        else:
            inner_source = (k + 1, m) if m > k + 1 else None
            outer_source = self._source_before(k, a)
        inner = _Attribution(cue=[(m, m + 2)], source=inner_source,
                             clause_start=inner_source[0] if inner_source else m)
        after = m + 2 + (1 if m + 2 < b and t.lower[m + 2] == "that" else 0)
        if after < b and not self._sentence_end(after, b):
            inner.content = [(after, b)]
        elif not passive and outer_source and outer_source[0] - 1 > a \
                and t.words[outer_source[0] - 1] == ",":
            inner.content = [(a, outer_source[0] - 1)]
            inner.content_after = False
        self._hedge(inner)
        if outer_source is None:
            return [inner]
        outer = _Attribution(cue=[(k, k + 1)], source=outer_source,
                             clause_start=min(outer_source[0], inner.clause_start),
                             content_after=inner.content_after)
        held = [inner_source] if passive and inner_source else [(k + 1, m + 2)]
        if passive:
            held = [*held, (m, m + 2)]
        outer.content = sorted({*inner.content, *held})
        inner.parent = outer
        self._hedge(outer)
        return [outer, inner]

    def _verb_cue(self, k: int, a: int, b: int, found: list[_Attribution]
                  ) -> _Attribution | None:
        t = self.t
        att = _Attribution(cue=[(k, k + 1)], clause_start=k)
        lemma = self.verb_of[t.lower[k]]
        s = k - 1
        passive = False
        while s >= a and t.lower[s] in self.lex["auxiliaries"]:
            passive = passive or t.lower[s] in self.lex["be_forms"]
            s -= 1
        if passive and not t.lower[k].endswith(("ing", "s")):
            # "are reported to have ...", "it's understood": no source in the text
            att.implicit = "unspecified"
            subject = self._source_before(s + 1, a)
            att.clause_start = subject[0] if subject else s + 1
            if subject is not None and t.lower[subject[0]] not in ("it", "there"):
                att.content.append(subject)
        elif t.lower[k].endswith("ing") and s >= a and t.words[s] == ",":
            # ", saying ...": the participle shares the previous attribution's source
            previous = next((x for x in reversed(found) if x.source), None)
            if previous is None:
                return None
            att.source = previous.source
        else:
            att.source = self._source_before(k, a) or self._source_after(k, a, b)
            if att.source is None:
                return None
            att.clause_start = min(att.source[0], k)
        self._content_of_verb(att, k, lemma, a, b)
        self._hedge(att, lemma)
        return att

    def _content_of_verb(self, att: _Attribution, k: int, lemma: str, a: int, b: int) -> None:
        t = self.t
        c = k + 1
        if lemma == "tell":  # "told the BBC that ...": skip the addressee
            that = next((x for x in range(c, min(b, c + 8)) if t.lower[x] == "that"), None)
            if that is not None:
                c = that
        if c < b and t.lower[c] == "that":
            c += 1
        while c < b and t.words[c] in ":,":
            c += 1
        inverted = att.source is not None and att.source[0] > k
        if c < b and not inverted and not self._sentence_end(c, b) and not self._cue_at(c):
            att.content.append((c, b))
            return
        # Nothing after the cue: the content comes first ("CONTENT, X said." / a quote).
        first = min(att.source[0], k) if att.source else k
        if first - 1 > a and t.words[first - 1] in "," + CLOSE_QUOTES:
            att.content.append((a, first))
            att.content_after = False

    def _source_after(self, k: int, a: int, b: int) -> tuple[int, int] | None:
        """'"QUOTE," said X.': after a quotation, the source may follow the cue."""
        t = self.t
        if not (k - 1 > a and (t.words[k - 1] in CLOSE_QUOTES
                               or (t.words[k - 1] == "," and t.words[k - 2] in CLOSE_QUOTES))):
            return None
        end = k + 1
        while end < b and end - k <= 8 and t.words[end] not in PUNCT_END + QUOTES:
            end += 1
        return (k + 1, end) if end > k + 1 else None

    def _cue_at(self, c: int) -> bool:
        """Another attribution's cue opens at token c ("..., as quoted by X")."""
        words = self.t.lower[c:c + 3]
        return words[:2] == ["according", "to"] or words in (["as", "quoted", "by"],
                                                             ["as", "reported", "by"])

    def _noun_cue(self, k: int, a: int, b: int) -> _Attribution:
        """"a report that ...": the possessor is the source ("the government's admission
        that"), else it is unspecified."""
        t = self.t
        att = _Attribution(cue=[(k, k + 1)], content=[(k + 2, b)])
        s = k - 1
        while s >= a and t.words[s] not in ",;:" and t.lower[s] not in ("and", "while", "but"):
            if t.lower[s] in ("'s", "\u2019s") or t.words[s] in "'\u2019":
                att.source = self._source_before(s, a)
                break
            s -= 1
        att.clause_start = att.source[0] if att.source else s + 1
        if att.source is None:
            att.implicit = "unspecified"
        self._hedge(att)
        return att

    # -- phrases
    def _sentence_end(self, c: int, b: int) -> bool:
        """Only closing punctuation and quotes are left in the sentence from c."""
        return all(w in PUNCT_END + QUOTES for w in self.t.words[c:b])

    def _source_before(self, k: int, a: int) -> tuple[int, int] | None:
        """The noun phrase ending before token k (auxiliaries skipped): back to a comma, a
        quote, a clause word, another attribution or the sentence start, at most 12 tokens;
        an appositive between commas before the cue is skipped ("X, of the Y group,
        said"); leading prepositions and a trailing time phrase are left out."""
        t, lex = self.t, self.lex
        end = k - 1
        while end >= a and t.lower[end] in lex["auxiliaries"]:
            end -= 1
        if end >= a and t.words[end] == ",":
            opening = next((x for x in range(end - 1, max(a, end - 16) - 1, -1)
                            if t.words[x] == ","), None)
            if opening is None or not self._appositive(opening + 1):
                return None
            end = opening - 1
        if end > a and t.words[end] == ")":  # "X (the acronym) said"
            opening = next((x for x in range(end - 1, max(a, end - 8) - 1, -1)
                            if t.words[x] == "("), None)
            end = opening - 1 if opening is not None else end
        if end < a or not t.words[end][:1].isalnum() or end in self.used:
            return None
        start = end
        while (start - 1 >= a and end - start < 11 and start - 1 not in self.used
               and t.words[start - 1] not in ",;:()" + QUOTES
               and t.lower[start - 1] not in _SOURCE_STOPS
               and t.lower[start - 1] not in self.verb_of):
            start -= 1
        while start < end and t.lower[start] in _LEADING_PREPOSITIONS | {"however", "but",
                                                                         "and"}:
            start += 1
        return start, self._without_time(start, end + 1)

    def _without_time(self, i: int, j: int) -> int:
        """"X on Saturday", "X in March", "X today": the time phrase is not the source."""
        t, lex = self.t, self.lex
        if j - i > 1 and t.lower[j - 1] in ("today", "yesterday", "tonight"):
            return j - 1
        if (j - i > 2 and t.lower[j - 2] in ("on", "in", "last", "this")
                and (t.words[j - 1] in lex.raw["weekdays"] or t.words[j - 1] in lex.raw["months"])):
            return j - 2
        return j

    def _appositive(self, k: int) -> bool:
        return self.t.lower[k] in ("of", "which", "who", "a", "an", "the", "from", "based",
                                   "whose", "one")

    def _hedge(self, att: _Attribution, lemma: str | None = None) -> None:
        t, lex = self.t, self.lex
        words = set()
        for i, j in ([att.source] if att.source else []) + att.cue:
            words.update(t.lower[i:j])
        first = att.cue[0][0]
        words.update(t.lower[max(0, first - 2):first])
        att.hedged = (lemma in lex["hedging_verbs"]
                      or self.verb_of.get(t.lower[first]) in lex["hedging_verbs"]
                      or bool(words & lex["hedging_words"]))

    def _cut_contents(self, found: list[_Attribution]) -> None:
        """A content that follows its cue ends where the next attribution's words begin
        (rule 5.3: a clause with a cue of its own is not part of it); its edges are
        trimmed of punctuation, quotes and connectors."""
        starts = sorted(x.clause_start for x in found)
        for att in found:
            new = []
            for n, (i, j) in enumerate(att.content):
                if att.content_after and n == len(att.content) - 1:
                    j = min([s for s in starts if i < s < j], default=j)
                new.append(self._trim(i, j))
            taken = {att.source, *att.cue}
            att.content = [x for x in new if x[0] < x[1] and x not in taken]

    def _trim(self, i: int, j: int) -> tuple[int, int]:
        """Drop closing punctuation, connectors and enclosing quotes at the edges."""
        t = self.t
        while j > i and (t.words[j - 1] in PUNCT_END + QUOTES
                         or t.lower[j - 1] in ("and", "while", "but", "as", "whereas")):
            j -= 1
        while i < j and (t.words[i] in OPEN_QUOTES + ",:" or t.lower[i] == "that"):
            i += 1
        return i, j


def _attribution_type(spans: list[dict[str, Any]], text: str) -> str:
    """direct: every content span is quoted; mixed: quoted words inside; else indirect."""
    def quoted(s: dict[str, Any]) -> bool:
        return any(q in text[max(0, s["start"] - 2):s["start"]] for q in OPEN_QUOTES)

    if spans and all(quoted(s) for s in spans):
        return "direct"
    marks = "\"\u201c\u201d\u2018\u00ab\u00bb"  # not the apostrophes of "Syria's"
    if any(q in s["text"] for s in spans for q in marks):
        return "mixed"
    return "indirect"


def find_attributions(text: _Text, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = _AttributionRules(text).run()
    # ids in text order of each attribution's first span, the outer one first on a tie
    def first(att: _Attribution) -> tuple[int, int]:
        spans = [*att.cue, *att.content, *([att.source] if att.source else [])]
        return min(i for i, _ in spans), 0 if att.parent is None else 1

    found.sort(key=first)
    ids = {id(att): f"a{n}" for n, att in enumerate(found, 1)}
    by_span = {(e["start"], e["end"]): e["id"] for e in entities}
    out: list[dict[str, Any]] = []
    for att in found:
        spans = [text.span(i, j) for i, j in att.content]
        item: dict[str, Any] = {"id": ids[id(att)]}
        if att.source is not None:
            source = text.span(*att.source)
            mention = by_span.get((source["start"], source["end"]))
            item["source"] = {**source, **({"mention": mention} if mention else {})}
        elif att.implicit:
            item["implicit_source"] = att.implicit
        item["cue"] = [text.span(i, j) for i, j in att.cue]
        item["content"] = spans
        item["type"] = _attribution_type(spans, text.doc.text)
        if att.parent is not None and id(att.parent) in ids:
            item["parent"] = ids[id(att.parent)]
        item["hedged"] = att.hedged
        out.append(item)
    return out


# --- the extractor ---------------------------------------------------------------------------

class Baseline:
    """The rule-based baseline. `layers`: the layers to predict (default: all four)."""

    def __init__(self, layers: Iterable[str] = LAYERS) -> None:
        self.layers = tuple(layers)

    def __call__(self, document: Document) -> AnnotationDocument:
        text = _Text.of(document)
        entities = find_entities(text)
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "doc_id": document.doc_id,
                                "status": "prediction", "annotator": NAME}
        if "entities" in self.layers:
            data["entities"] = entities
        if "events" in self.layers:
            events = find_events(text, entities)
            if "entities" not in self.layers:  # arguments as spans, not mention ids
                spans = {e["id"]: e for e in entities}
                for ev in events:
                    for arg in ev.get("arguments", []):
                        e = spans[arg.pop("mention")]
                        arg.update(start=e["start"], end=e["end"], text=e["text"])
            data["events"] = events
        if "numbers" in self.layers:
            data["numbers"] = find_numbers(text)
        if "attributions" in self.layers:
            atts = find_attributions(text, entities)
            if "entities" not in self.layers:
                for att in atts:
                    if "source" in att:
                        att["source"].pop("mention", None)
            data["attributions"] = atts
        return AnnotationDocument.from_dict(data)


def make(layers: str | None = None) -> Baseline:
    """The `baseline` SPEC: `--option layers=entities,numbers` restricts the layers."""
    if layers is None:
        return Baseline()
    chosen = [x.strip() for x in layers.split(",") if x.strip()]
    unknown = [x for x in chosen if x not in LAYERS]
    if unknown or not chosen:
        from palmyra.extractors import ExtractorError

        raise ExtractorError(f"baseline: option layers={layers!r}: expected a comma-separated "
                             f"list of {', '.join(LAYERS)}")
    return Baseline(chosen)


__all__ = ["NAME", "Baseline", "find_attributions", "find_entities", "find_events",
           "find_numbers", "lexicon", "make", "parse_number"]
