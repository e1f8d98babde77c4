"""A deterministic tokenization and sentence split of a document, with character offsets.

The scorers need tokens in two places: the BIO view of the entity layer (scored with
seqeval, as CoNLL-style papers do) and the token sets that attribution spans are compared
by. Both use this one tokenizer, so a score never depends on an external model.

Tokens (`TOKEN` below):
  - initialisms with periods: "U.S.", "U.N.";
  - words and numbers with internal apostrophes or hyphens: "al-Ma'ani", "pro-government",
    "2,000-year-old", "10-month"; a number may carry "," and "." between digits ("4,000",
    "1.5");
  - any other non-space character is a token of its own (punctuation, symbols).
  A possessive or clitic "'s" (straight or typographic apostrophe) ending a word is split off
  ("Syria's" gives "Syria" and "'s"): mentions end before it ("Syria" in "Syria's second
  city").

Zones are tokenized one by one (a zone boundary is always a token and sentence boundary:
"media captionParts" holds a boilerplate zone and a caption zone with no space between).

Sentences: a line break ends a sentence; so does ".", "!" or "?" (with any closing quotes or
brackets after it) when the next token starts with an upper-case letter, a digit or an
opening quote, unless the period belongs to a title or initial ("Mr.", "Gen.", "A.").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain, pairwise
from operator import itemgetter
from typing import NamedTuple

from palmyra.corpus import Document, Zone

TOKENIZER = "palmyra-regex-1"  # bump when the rules change: shipped token files name it

_APOSTROPHES = "'\u2019"  # straight and typographic (right single quotation mark)
_WORD = r"[^\W_]"
_ATOM = rf"(?:\d+(?:[.,]\d+)+|{_WORD}+)"
_CLITIC = rf"[{_APOSTROPHES}][sS](?!{_WORD})"
_TOKEN = (rf"[^\W\d_](?:\.[^\W\d_])+\."                              # U.S.
          rf"|{_ATOM}(?:-{_ATOM}|(?!{_CLITIC})[{_APOSTROPHES}]{_ATOM})*"  # al-Ma'ani, 4,000
          rf"|{_CLITIC}"                                             # 's
          r"|\S")                                                    # anything else
TOKEN = re.compile(_TOKEN)
# Most tokens are a plain run of letters and digits that nothing can extend (no ".", ",",
# "-" or apostrophe after it): matched first, possessively, they skip the alternatives above,
# which would find the same token (tests compare the two patterns).
_PLAIN = r"[^\W_]++(?![.,\-'\u2019])"
_SCAN = re.compile(rf"(\s*)({_PLAIN}|{_TOKEN})")  # whitespace kept: offsets add up in C
_NEWLINE = re.compile(r"\n")
_ENDER = re.compile(r"[.!?]")

_CLOSERS = frozenset("\"')]\u00bb\u2019\u201d")  # also the typographic closing quotes
_OPENERS = frozenset("\"'([\u00ab\u2018\u201c")  # also the typographic opening quotes
_ABBREVIATIONS = frozenset([
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Col", "Lt", "Capt", "Maj", "Sgt", "Cpl",
    "Gov", "Sen", "Rep", "Rev", "Jr", "Sr", "Co", "Corp", "Inc", "Ltd", "vs",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
])


class Token(NamedTuple):
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    zone: str
    tokens: tuple[Token, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def _scan(text: str, start: int, end: int) -> tuple[list[int], list[int], list[str]]:
    """Token starts, ends and texts of text[start:end] (the regex and the offsets run in C)."""
    parts = _SCAN.findall(text, start, end)
    offsets = list(accumulate(map(len, chain.from_iterable(parts)), initial=start))
    return offsets[1::2], offsets[2::2], list(map(itemgetter(1), parts))


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of text[start:end], with offsets into `text`."""
    starts, ends, texts = _scan(text, start, len(text) if end is None else end)
    return list(map(Token, starts, ends, texts))


def _sentence_starts(text: str, starts: Sequence[int], ends: Sequence[int],
                     texts: Sequence[str], lo: int, hi: int) -> set[int]:
    """Indices (in [lo, hi), one zone's tokens) of the tokens that begin a sentence."""
    if lo >= hi:
        return set()
    out = {lo}
    begin, finish = starts[lo], ends[hi - 1]
    for m in _NEWLINE.finditer(text, begin, finish):
        out.add(bisect_left(starts, m.start(), lo, hi))
    for m in _ENDER.finditer(text, begin, finish):
        pos = m.start()
        i = bisect_left(starts, pos, lo, hi)
        if i >= hi or starts[i] != pos or ends[i] != pos + 1:
            continue  # the mark is inside a token ("1.5", "U.S.")
        if i > lo and ends[i - 1] == pos and (
                texts[i - 1] in _ABBREVIATIONS
                or (len(texts[i - 1]) == 1 and texts[i - 1].isupper())):
            continue  # "Mr.", "A."
        j = i + 1
        while j < hi and texts[j] in _CLOSERS and "\n" not in text[ends[j - 1]:starts[j]]:
            j += 1
        if j < hi:
            first = texts[j][0]
            if first.isupper() or first.isdigit() or first in _OPENERS:
                out.add(j)
    return out


def split_sentences(text: str, tokens: list[Token]) -> list[list[Token]]:
    """Group the tokens of one zone into sentences (rules in the module docstring)."""
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    cuts = sorted(_sentence_starts(text, starts, ends, [t.text for t in tokens], 0,
                                   len(tokens)))
    return [tokens[a:b] for a, b in pairwise([*cuts, len(tokens)])]


@dataclass(frozen=True)
class Tokenization:
    """Tokens of some zones of a document as parallel lists, with their sentences.

    starts / ends / texts: one entry per token, in text order.
    sentence_starts: the index of each sentence's first token, ascending; zone_types: the
    zone type of each sentence.
    """

    starts: list[int]
    ends: list[int]
    texts: list[str]
    sentence_starts: list[int]
    zone_types: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def covering(self, start: int, end: int) -> tuple[int, int]:
        """Indices [i, j) of the tokens sharing at least one character with [start, end).

        i == j when the span touches no token (whitespace, or outside these zones).
        """
        return bisect_right(self.ends, start), bisect_left(self.starts, end)

    def sentence_of(self, i: int) -> int:
        return bisect_right(self.sentence_starts, i) - 1

    def sentence_end(self, k: int) -> int:
        """The exclusive index of the last token of sentence k."""
        return self.sentence_starts[k + 1] if k + 1 < len(self.sentence_starts) else len(self)

    def sentences(self) -> list[Sentence]:
        return [Sentence(self.zone_types[k],
                         tuple(map(Token, self.starts[a:b], self.ends[a:b], self.texts[a:b])))
                for k, a in enumerate(self.sentence_starts) for b in [self.sentence_end(k)]]


def _zones(doc: Document) -> tuple[Zone, ...]:
    """The document's zones; a document without zones is one body zone."""
    return doc.zones or (Zone("body", 0, len(doc.text)),)


@lru_cache(maxsize=64)
def _tokenization(text: str, zones: tuple[Zone, ...], zone_types: frozenset[str] | None
                  ) -> Tokenization:
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    sentence_starts: list[int] = []
    zone_of: list[str] = []
    for zone in zones:
        if zone_types is not None and zone.type not in zone_types:
            continue
        s, e, t = _scan(text, zone.start, zone.end)
        lo = len(starts)
        starts += s
        ends += e
        texts += t
        cuts = sorted(_sentence_starts(text, starts, ends, texts, lo, len(starts)))
        sentence_starts += cuts
        zone_of += [zone.type] * len(cuts)
    return Tokenization(starts, ends, texts, sentence_starts, zone_of)


# The last (document, zone types, tokenization) asked for: the scorers ask about one document
# in turn. One tuple, read and replaced whole, so that threads never mix two entries.
_last: list[tuple[Document, frozenset[str] | None, Tokenization] | None] = [None]


def tokenization(doc: Document, zone_types: frozenset[str] | None = None) -> Tokenization:
    """The tokens and sentences of the zones of `zone_types` (None: every zone)."""
    last = _last[0]
    if last is not None and last[0] is doc and last[1] is zone_types:
        return last[2]
    tok = _tokenization(doc.text, _zones(doc), zone_types)
    _last[0] = (doc, zone_types, tok)
    return tok


def annotated_zone_types(doc: Document) -> frozenset[str] | None:
    """The zone types that hold article text (None: every zone, for a document without)."""
    if not doc.zones:
        return None
    from palmyra.ontology import load_ontology

    return load_ontology().annotated_zones


def all_sentences(doc: Document) -> list[Sentence]:
    """The sentences of every zone, annotated or not, in text order."""
    return tokenization(doc).sentences()


def sentences(doc: Document, zone_types: frozenset[str] | None = None) -> list[Sentence]:
    """The sentences of the annotated zones (or of `zone_types`), in text order.

    A document without zones is read as one annotated body zone.
    """
    return tokenization(doc, zone_types or annotated_zone_types(doc)).sentences()


def document_tokens(doc: Document) -> list[Token]:
    """Every token of the document (all zones), in text order."""
    tok = tokenization(doc)
    return list(map(Token, tok.starts, tok.ends, tok.texts))


class TokenIndex:
    """Tokens in text order with fast lookup of the tokens a character span touches."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.ends = [t.end for t in tokens]

    def covering(self, start: int, end: int) -> tuple[int, int]:
        """Indices [i, j) of the tokens sharing at least one character with [start, end)."""
        return bisect_right(self.ends, start), bisect_left(self.starts, end)


def span_tokens(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) of the tokens sharing a character with [start, end), without
    tokenizing the whole document.

    Tokens never hold whitespace and zones are tokenized separately, so tokenizing from the
    whitespace (or zone boundary) before the span to the one after it gives the same tokens
    as the whole document's tokenization.

    Most windows need no regex: words separated by single spaces, each a run of letters and
    digits (TOKEN's plain word) or a number with "," or "." between digits ("4,000", "1.5"),
    perhaps followed by one mark of ".,;:!?", a token of its own (before whitespace, no rule
    joins it to the word: "U.S." is neither).
    """
    text = doc.text
    out: list[tuple[int, int]] = []
    for zone in _zones(doc):
        zone_start, zone_end = zone.start, zone.end
        if zone_end <= start or zone_start >= end:
            continue
        if zone_end > len(text):
            zone_end = len(text)
        lo = start if start > zone_start else zone_start
        hi = end if end < zone_end else zone_end
        while lo > zone_start and not text[lo - 1].isspace():
            lo -= 1
        while hi < zone_end and not text[hi].isspace():
            hi += 1
        window = text[lo:hi]
        if window.isalnum():  # one plain word
            found = [(lo, hi)]
        else:
            found = []
            add = found.append
            pos = lo
            for word in window.split(" "):
                n = len(word)
                if word.isalnum():
                    add((pos, pos + n))
                elif word[-1:] in ".,;:!?" and word[:-1].isalnum():
                    add((pos, pos + n - 1))
                    add((pos + n - 1, pos + n))
                else:  # a number, perhaps with a mark; else (or no word) the rules decide
                    cut = n - 1 if n > 1 and word[-1] in ".,;:!?" else n
                    number = word[:cut].replace(".", ",")
                    if not (number.replace(",", "").isdecimal() and ",," not in number
                            and number[0] != "," and number[-1] != ","):
                        starts, ends, _ = _scan(text, lo, hi)
                        found = list(zip(starts, ends, strict=True))
                        break
                    add((pos, pos + cut))
                    if cut < n:
                        add((pos + cut, pos + n))
                pos += n + 1
        # Tokens come in text order: any outside the span are at either end.
        if found and (found[0][1] <= start or found[-1][0] >= end):
            found = [t for t in found if t[0] < end and t[1] > start]
        out += found
    return out


def tokens_document(doc: Document) -> dict:
    """The tokenization of the annotated zones as a JSON-ready dict.

    The shape shipped as corpus/<doc_id>.tokens.json: the tokenizer's name, the checksum of
    the text it was computed on, and the sentences with their zone and tokens (offsets as in
    every span of the corpus: 0-based, end-exclusive, with the covered text).
    """
    return {
        "doc_id": doc.doc_id,
        "tokenizer": TOKENIZER,
        "text_sha256": doc.sha256,
        "sentences": [
            {"zone": s.zone, "start": s.start, "end": s.end,
             "tokens": [{"start": t.start, "end": t.end, "text": t.text} for t in s.tokens]}
            for s in sentences(doc)
        ],
    }


# --- IOB2 tags ------------------------------------------------------------------------------

Mention = tuple[int, int, str]  # (start, end, type)
ADJUSTMENTS = ("extended", "truncated", "outside", "nested")


def mention_ranges(tok: Tokenization, spans: Iterable[Mention]
                   ) -> tuple[list[tuple[int, int, str]], list[tuple[Mention, str]]]:
    """The token ranges (first, last inclusive, type) that mentions become in IOB2, and the
    adjustments made (reasons in `Conversion`). Ranges are returned in token order."""
    adjustments: list[tuple[Mention, str]] = []
    candidates: list[tuple[int, int, str, Mention]] = []
    starts, ends, sentence_starts = tok.starts, tok.ends, tok.sentence_starts
    n_sentences = len(sentence_starts)
    for mention in sorted(spans):
        start, end, label = mention
        i, j = bisect_right(ends, start), bisect_left(starts, end)
        if i >= j:
            adjustments.append((mention, "outside"))
            continue
        last = j - 1
        k = bisect_right(sentence_starts, i)  # the sentence after token i's
        if k < n_sentences and last >= sentence_starts[k]:
            last = sentence_starts[k] - 1
            adjustments.append((mention, "truncated"))
        if starts[i] < start or ends[last] > end:
            adjustments.append((mention, "extended"))
        candidates.append((i, last, label, mention))
    if all(a[1] < b[0] for a, b in pairwise(candidates)):  # sorted, and none overlaps
        return [c[:3] for c in candidates], adjustments
    # IOB2 cannot nest: the outermost (longest) mention wins.
    candidates.sort(key=lambda c: (c[0] - c[1], c[0], c[2]))
    taken: set[int] = set()
    kept: list[tuple[int, int, str]] = []
    for i, last, label, mention in candidates:
        tokens = range(i, last + 1)
        if not taken.isdisjoint(tokens):
            adjustments.append((mention, "nested"))
            continue
        taken.update(tokens)
        kept.append((i, last, label))
    kept.sort()
    return kept, adjustments


def mention_bounds(doc: Document, spans: Iterable[Mention]
                   ) -> tuple[list[tuple[int, int, str]], list[tuple[Mention, str]]]:
    """mention_ranges over the tokens of the annotated zones, each range given by character
    offsets (its first token's start, its last token's end) instead of token indices. The
    two correspond one to one, so sets of ranges compare alike either way.

    Most mentions need no tokenization: see _aligned_ranges. A document with any other
    mention, or with mentions that overlap (nesting is decided by length in tokens), is
    tokenized.
    """
    mentions = sorted(spans)
    aligned = _aligned_ranges(doc, mentions)
    if aligned is not None:
        return aligned, []
    tok = tokenization(doc, annotated_zone_types(doc))
    kept, adjustments = mention_ranges(tok, mentions)
    starts, ends = tok.starts, tok.ends
    return [(starts[i], ends[last], label) for i, last, label in kept], adjustments


# A span with no line break or mark that may end a sentence, neither starting nor ending
# with whitespace, not starting with a closing quote or bracket.
_ONE_SENTENCE = re.compile(
    rf"[^\s.!?{re.escape(''.join(sorted(_CLOSERS)))}](?:[^\n.!?]*[^\s.!?])?")
_MARKS = frozenset(",.;:!?")  # before whitespace, always a token of its own (but "U.S.")


def _aligned_ranges(doc: Document, mentions: list[Mention]) -> list[Mention] | None:
    """The mentions themselves (sorted, none overlapping) when each one is its own token
    range in one sentence; else None.

    Tokens never hold whitespace, so a span that starts after whitespace or at its zone's
    start, and ends before whitespace, at its zone's end or before a mark of _MARKS followed
    by whitespace (not the period of an initialism), covers whole tokens. It stays in one
    sentence when it lies in one annotated zone, holds no line break or sentence-ending mark,
    and does not start with a closing quote or bracket (which may follow a sentence end).
    """
    bounds = _annotated_bounds(_zones(doc), annotated_zone_types(doc))
    if bounds is None:
        return None
    zone_starts, zone_ends = bounds
    text, previous_end = doc.text, -1
    one_sentence = _ONE_SENTENCE.fullmatch
    # The zone of the mention (k), its start and end (limit): mentions come in order, so
    # the zone changes only when a mention starts at or after the next zone's start.
    k, zone_start, limit, next_start = -1, -1, -1, zone_starts[0] if zone_starts else 0
    for start, end, _ in mentions:
        if start >= next_start:
            k = bisect_right(zone_starts, start) - 1
            if k < 0:
                return None  # no annotated zone
            zone_start, limit = zone_starts[k], min(zone_ends[k], len(text))
            next_start = zone_starts[k + 1] if k + 1 < len(zone_starts) else len(text) + 1
        if not previous_end <= start < end <= limit:
            # before the first annotated zone, outside the annotated zones, across zones,
            # empty or overlapping
            return None
        if not one_sentence(text, start, end) or (
                start != zone_start and not text[start - 1].isspace()):
            return None
        if end != limit and not text[end].isspace() and (
                text[end] not in _MARKS or text[end - 2:end - 1] == "."
                or (end + 1 != limit and not text[end + 1].isspace())):
            return None
        previous_end = end
    return mentions


@lru_cache(maxsize=1024)
def _annotated_bounds(zones: tuple[Zone, ...], zone_types: frozenset[str] | None
                      ) -> tuple[list[int], list[int]] | None:
    """Starts and ends (within the text) of the zones that are tokenized, when they come in
    text order without overlapping (as in every valid document); else None."""
    kept = [z for z in zones if zone_types is None or z.type in zone_types]
    if any(a.end > b.start for a, b in pairwise(kept)):
        return None
    return [z.start for z in kept], [z.end for z in kept]


@dataclass
class Conversion:
    """IOB2 tags per sentence, and what the conversion had to change.

    adjustments: (mention, reason) with reason one of
      extended   the span cut a token; it was widened to whole tokens
      truncated  the span crossed a sentence boundary; it was cut at the end of its first
                 sentence
      outside    the span covers no token of the tokenized (annotated) text; dropped
      nested     the span overlaps a longer mention that was kept; dropped (the outermost,
                 longest mention wins; equal lengths: the earlier start, then the type name)
    """

    tags: list[list[str]]
    adjustments: list[tuple[Mention, str]] = field(default_factory=list)

    def count(self, reason: str) -> int:
        return sum(1 for _, r in self.adjustments if r == reason)


def to_iob2(tok: Tokenization, spans: Iterable[Mention]) -> Conversion:
    """IOB2 tags ("B-PER", "I-PER", "O") for (start, end, type) mentions over the tokens of
    `tok`, one list of tags per sentence (reasons for any change in `adjustments`).

    A mention covers the tokens it shares a character with. IOB2 cannot nest, so among
    overlapping mentions the outermost is kept: longest first (in tokens), then the earlier
    start, then the type name; the others are reported as "nested".
    """
    kept, adjustments = mention_ranges(tok, spans)
    tags = ["O"] * len(tok)
    for i, last, label in kept:
        tags[i] = f"B-{label}"
        tags[i + 1:last + 1] = [f"I-{label}"] * (last - i)
    bounds = [*tok.sentence_starts, len(tok)]
    return Conversion([tags[a:b] for a, b in pairwise(bounds)], adjustments)


__all__ = ["ADJUSTMENTS", "TOKEN", "TOKENIZER", "Conversion", "Sentence", "Token", "TokenIndex",
           "Tokenization", "all_sentences", "annotated_zone_types", "document_tokens",
           "mention_bounds", "mention_ranges", "sentences", "span_tokens", "split_sentences",
           "to_iob2", "tokenization", "tokenize", "tokens_document"]
