"""A small reader of numeric expressions: digits and number words to the fields of a number.

`read_number("more than 4,000", "count")` gives kind count, value None, low 4000, qualifier
lower_bound; `read_number("nine months ago", "date")` gives kind duration, value 9, unit month,
timex P9M and the core span "nine months" (annotations/GUIDELINES.md, Part 3). It reads what
extractors emit for one entity (a spaCy CARDINAL or DATE, a string an LLM returned), not
running text: the first numeral of the expression is the number.

The label of the expression gives the kind; a unit in the text overrides it (a time unit makes
a duration, or an age before "old"; an area unit an area; "%" a proportion; a length or a
currency `other`). An expression with no numeral (digits, number word, ordinal or plural
magnitude such as "hundreds") is not a number (guidelines, rules 2.1, 2.2, 2.5): None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _numbered(names: str, scale: int = 1, first: int = 0) -> dict[str, int]:
    """{name: scale * (position + first)} for the space-separated names ("_" skips one)."""
    return {w: scale * (i + first) for i, w in enumerate(names.split()) if w != "_"}


_ONES = _numbered("zero one two three four five six seven eight nine ten eleven twelve "
                  "thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = _numbered("_ _ twenty thirty forty fifty sixty seventy eighty ninety", scale=10)
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINALS = _numbered("first second third fourth fifth sixth seventh eighth ninth tenth "
                      "eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
                      "eighteenth nineteenth", first=1)
_ORDINALS |= _numbered("_ _ twentieth thirtieth fortieth fiftieth sixtieth seventieth "
                       "eightieth ninetieth", scale=10)
_ORDINALS |= {"hundredth": 100, "thousandth": 1000}
# Plural magnitude words: vague bounds 2 x m to 10 x m - 1 ("hundreds" = 200..999, rule 5.1).
_MAGNITUDES = {"tens": 10, "dozens": 12, "hundreds": 100, "thousands": 1_000,
               "millions": 1_000_000, "billions": 1_000_000_000}

_APPROXIMATE = ("about", "around", "some", "nearly", "almost", "roughly", "approximately",
                "estimated", "close to", "an estimated", "approx")
_LOWER = ("more than", "over", "at least", "upwards of", "in excess of", "greater than",
          "no fewer than", "no less than")
_UPPER = ("fewer than", "less than", "up to", "at most", "under", "below", "no more than")
_INCREMENT = ("additional", "another", "extra")

# unit word -> (ontology unit, TIMEX3 designator or None)
_TIME_UNITS = {"second": ("second", "TS"), "minute": ("minute", "TM"), "hour": ("hour", "TH"),
               "day": ("day", "D"), "week": ("week", "W"), "month": ("month", "M"),
               "year": ("year", "Y"), "decade": ("decade", None), "century": ("century", None)}
_YEARS_PER = {"decade": 10, "century": 100}  # TIMEX3 values here have no DE/CE designators
_AREA = {("square", "miles"): "mi2", ("square", "mile"): "mi2", ("sq", "mi"): "mi2",
         ("square", "kilometres"): "km2", ("square", "kilometers"): "km2",
         ("square", "kilometre"): "km2", ("square", "kilometer"): "km2", ("sq", "km"): "km2",
         ("square", "metres"): "m2", ("square", "meters"): "m2", ("km2",): "km2",
         ("mi2",): "mi2", ("m2",): "m2", ("hectares",): "hectare", ("hectare",): "hectare"}
_OTHER_UNITS = {"km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km",
                "kilometer": "km", "miles": "mi", "mile": "mi", "metres": "m", "meters": "m",
                "metre": "m", "meter": "m", "%": "percent", "percent": "percent",
                "$": "USD", "dollars": "USD", "dollar": "USD", "usd": "USD",
                "£": "GBP", "pounds": "GBP", "gbp": "GBP", "€": "EUR", "euros": "EUR",
                "euro": "EUR", "eur": "EUR"}
_MONTHS = _numbered("january february march april may june july august september october "
                    "november december", first=1)
_MONTHS |= {m[:3]: i for m, i in list(_MONTHS.items())} | {"sept": 9}

_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:st|nd|rd|th|s)?"
                   r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)?|[%$£€]")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str  # lower-cased


@dataclass(frozen=True)
class Reading:
    """The normalized fields of one numeric expression; start/end: its core in the input
    (the numeral with its approximator, bound or increment marker, and the unit of a
    measure: determiners, focus particles, "ago" and "of" phrases are outside, rule 3)."""

    kind: str
    start: int
    end: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    qualifier: str = "exact"
    unit: str | None = None
    timex: str | None = None
    increment: bool = False


def words(text: str) -> list[Word]:
    """Lower-cased words, numbers and currency/percent signs; hyphens separate words."""
    return [Word(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def _digits(word: str) -> float | None:
    word = re.sub(r"(st|nd|rd|th|s)$", "", word).replace(",", "")  # "9th", "1990s"
    try:
        return float(word)
    except ValueError:
        return None


def _is_numeral(w: str) -> bool:
    return (w[0].isdigit() or w in _ONES or w in _TENS or w in _ORDINALS or w in _MAGNITUDES
            or w in ("dozen", "half"))


def _ordinal(w: str) -> int | None:
    if w in _ORDINALS:
        return _ORDINALS[w]
    m = re.fullmatch(r"(\d+)(st|nd|rd|th)", w)
    return int(m.group(1)) if m else None


@dataclass
class _Numeral:
    value: float | None
    end: int          # index after the numeral's last word
    ordinal: bool = False
    magnitude: float | None = None  # vague: "hundreds (of thousands)"


def _tens_ordinal(ws: list[str], i: int) -> _Numeral | None:
    """'twenty-first': a tens word then an ordinal word."""
    if ws[i] in _TENS and i + 1 < len(ws) and ws[i + 1] in _ORDINALS and _ORDINALS[ws[i + 1]] < 10:
        return _Numeral(float(_TENS[ws[i]] + _ORDINALS[ws[i + 1]]), i + 2, ordinal=True)
    return None


def _magnitude(ws: list[str], i: int) -> _Numeral:
    """'hundreds', 'tens of thousands': the product of the plural magnitudes."""
    m, j = float(_MAGNITUDES[ws[i]]), i + 1
    while j + 1 < len(ws) and ws[j] == "of" and ws[j + 1] in _MAGNITUDES:
        m *= _MAGNITUDES[ws[j + 1]]
        j += 2
    return _Numeral(None, j, magnitude=m)


def _cardinal(ws: list[str], i: int) -> _Numeral | None:
    """Digits and number words from ws[i]: '4,000', 'two hundred', 'five-and-a-half',
    '1.2 million', 'a dozen'."""
    total = current = 0.0
    j, seen = i, False
    while j < len(ws):
        w = ws[j]
        if w in ("a", "an") and j + 1 < len(ws) and ws[j + 1] in (*_SCALES, "dozen", "half"):
            current += 1 if ws[j + 1] != "half" else 0
            seen, j = True, j + 1
            continue
        if w == "and" and seen and ws[j + 1:j + 3] == ["a", "half"]:
            current += 0.5
            j += 3
            continue
        if w == "and" and seen and j + 1 < len(ws) and (ws[j + 1] in _ONES or ws[j + 1] in _TENS):
            j += 1  # "two hundred and fifty"
            continue
        number = _digits(w) if w[0].isdigit() and _ordinal(w) is None else None
        if number is not None and not seen:
            current = number
        elif w in _ONES or w in _TENS:
            current += _ONES.get(w, 0) + _TENS.get(w, 0)
        elif w == "half":
            current += 0.5
        elif w == "dozen" and seen:
            current = (current or 1) * 12
        elif w == "hundred" and seen:
            current = (current or 1) * 100
        elif w in _SCALES and seen:
            total += (current or 1) * _SCALES[w]
            current = 0.0
        else:
            break
        seen = True
        j += 1
    return _Numeral(total + current, j) if seen else None


def _numeral(ws: list[str], i: int) -> _Numeral | None:
    w = ws[i]
    if w in _MAGNITUDES:
        return _magnitude(ws, i)
    ordinal = _tens_ordinal(ws, i)
    if ordinal is not None:
        return ordinal
    if _ordinal(w) is not None:
        return _Numeral(float(_ordinal(w) or 0), i + 1, ordinal=True)
    return _cardinal(ws, i)


def _ends_with(prefix: list[str], phrases: tuple[str, ...]) -> int:
    """How many words of the longest phrase of `phrases` that `prefix` ends with (0: none)."""
    best = 0
    for phrase in phrases:
        p = phrase.split()
        if len(p) > best and prefix[-len(p):] == p:
            best = len(p)
    return best


def _unit(ws: list[str], j: int) -> tuple[str | None, str | None, int]:
    """(unit, family, index after it) of the words from j: family time, age, area or other."""
    for key, unit in sorted(_AREA.items(), key=lambda kv: -len(kv[0])):
        if tuple(ws[j:j + len(key)]) == key:
            return unit, "area", j + len(key)
    if j < len(ws):
        w = ws[j]
        singular = "century" if w == "centuries" else w.removesuffix("s")
        if singular in _TIME_UNITS:
            end = j + 1
            if ws[end:end + 1] == ["old"]:
                return singular, "age", end + 1
            return singular, "time", end
        if w in _OTHER_UNITS:
            unit = _OTHER_UNITS[w]
            return unit, "percent" if unit == "percent" else "other", j + 1
        if w == "per" and ws[j + 1:j + 2] == ["cent"]:
            return "percent", "percent", j + 2
    return None, None, j


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def duration_timex(value: float | None, unit: str | None) -> str | None:
    """TIMEX3 duration: 'P9M', 'P5.5Y', 'PT2H'; decades and centuries in years."""
    if value is None or unit not in _TIME_UNITS:
        return None
    if unit in _YEARS_PER:
        return f"P{_number_text(value * _YEARS_PER[unit])}Y"
    designator = _TIME_UNITS[unit][1] or ""
    if designator.startswith("T"):
        return f"PT{_number_text(value)}{designator[1:]}"
    return f"P{_number_text(value)}{designator}"


def date_timex(text: str, year: str | None = None) -> str | None:
    """TIMEX3 value of a calendar date at the precision written: '2011', '2015-05',
    '2016-04-09'. A day and month without a year take `year` (the publication year)."""
    ws = [w.text for w in words(text)]
    month = next((_MONTHS[w] for w in ws if w in _MONTHS), None)
    nums = [w for w in ws if w[0].isdigit()]
    years = [w for w in nums if re.fullmatch(r"1\d{3}|20\d{2}", w)]
    days = [int(d) for w in nums if (d := re.sub(r"(st|nd|rd|th)$", "", w)).isdigit()
            and 1 <= int(d) <= 31 and w not in years]
    if re.search(r"\d0s\b", text):
        return None  # a decade ("the 1990s") has no value here
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        return iso.group(0)
    found_year = years[0] if len(years) == 1 else year if month and not years else None
    if found_year is None:
        return None
    if month is None:
        return found_year if not days else None
    if len(days) == 1:
        return f"{found_year}-{month:02d}-{days[0]:02d}"
    return f"{found_year}-{month:02d}" if not days else None


def _vague_bounds(magnitude: float) -> tuple[float, float]:
    return 2 * magnitude, 10 * magnitude - 1


def _first_numeral(ws: list[str]) -> int | None:
    for i, w in enumerate(ws):
        # "a"/"an" count only before a scale word ("a hundred"), "second" only when no
        # numeral came before it (otherwise it is a unit).
        if _is_numeral(w) and not (w == "half" and i > 0):
            return i
        if w in ("a", "an") and ws[i + 1:i + 2] and ws[i + 1] in (*_SCALES, "dozen", "half"):
            return i
    return None


def read_number(text: str, kind: str, year: str | None = None) -> Reading | None:
    """The fields of the numeric expression `text` read as `kind` (a number kind of the
    ontology), or None when it holds no numeral. `year`: the publication year, to complete
    a date written without one."""
    found = words(text)
    ws = [w.text for w in found]
    i = _first_numeral(ws)
    numeral = _numeral(ws, i) if i is not None else None
    if i is None or numeral is None:
        return None
    qualifier, first, increment = _prefix(ws[:i])
    j = numeral.end
    value, low, high = numeral.value, None, None
    if numeral.magnitude is not None:
        qualifier = "vague"
        low, high = _vague_bounds(numeral.magnitude)
    elif kind != "date":  # "2016-04-09" is no range
        other = _range_end(text, found, i, j)
        if other is not None:
            qualifier, low, high, value, j = "range", value, other.value, None, other.end
            first = i - 1 if ws[i - 1:i] == ["between"] else first
    if ws[j:j + 1] == ["more"] and ws[j + 1:j + 2] != ["than"]:
        increment, j = True, j + 1  # "200 more"
    if qualifier == "lower_bound":
        low, value = value, None
    elif qualifier == "upper_bound":
        high, value = value, None
    unit, family, after = _unit(ws, j)
    if i > 0 and ws[i - 1] in ("$", "£", "€"):
        first = min(first, i - 1)
        if unit is None:
            unit, family = _OTHER_UNITS[ws[i - 1]], "other"
    kind, timex = _kind(kind, family, numeral, unit, value, text, year)
    start, end = found[first].start, found[max(after, j) - 1].end
    if kind == "date":
        value = low = high = None
        start, end = _date_extent(found, (start, end))
    return Reading(kind, start, end, value, low, high, qualifier,
                   unit if kind not in ("count", "date", "ordinal") else None, timex, increment)


def _prefix(prefix: list[str]) -> tuple[str, int, bool]:
    """(qualifier, index of the first word of the span, increment) from the words before the
    numeral: an approximator or bound, and an increment marker, stay inside the span."""
    i = len(prefix)
    qualifier, first = "exact", i
    for name, phrases in (("approximate", _APPROXIMATE), ("lower_bound", _LOWER),
                          ("upper_bound", _UPPER)):
        n = _ends_with(prefix, phrases)
        if n:
            qualifier, first = name, i - n
            break
    if _ends_with(prefix[:first], _INCREMENT):
        return qualifier, first - 1, True
    return qualifier, first, False


def _range_end(text: str, found: list[Word], i: int, j: int) -> _Numeral | None:
    """The second numeral of "10 to 20", "between 10 and 20" or "10-20", if any."""
    ws = [w.text for w in found]
    if j < len(ws) and ws[j][0].isdigit() and re.fullmatch(
            r"\s*[-\u2013\u2014]\s*", text[found[j - 1].end:found[j].start]):
        return _cardinal(ws, j)
    if j + 1 < len(ws) and _is_numeral(ws[j + 1]) and (
            ws[j] == "to" or (ws[j] == "and" and ws[i - 1:i] == ["between"])):
        return _cardinal(ws, j + 1)
    return None


def _date_extent(found: list[Word], default: tuple[int, int]) -> tuple[int, int]:
    """A date spans its month name and numbers: "April 9, 2016" from "on April 9, 2016"."""
    parts = [w for w in found if w.text in _MONTHS or w.text[0].isdigit()]
    return (parts[0].start, parts[-1].end) if parts else default


def _kind(kind: str, family: str | None, numeral: _Numeral, unit: str | None,
          value: float | None, text: str, year: str | None) -> tuple[str, str | None]:
    """The kind the text decides (a unit) or the label's kind, with the TIMEX3 value."""
    if family == "time":
        return "duration", duration_timex(value, unit)
    if family == "age":
        return "age", duration_timex(value, unit)
    if family == "area":
        return "area", None
    if family == "percent":
        return "proportion", None
    if family == "other":
        return "other", None
    if kind == "date":  # before ordinals: "December 9th" is a date
        return "date", date_timex(text, year)
    if numeral.ordinal:
        return "ordinal", None
    return kind, None


__all__ = ["Reading", "date_timex", "duration_timex", "read_number", "words"]
