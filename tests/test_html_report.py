"""The HTML report (palmyra.report.html): segments, marks, escaping, a self-contained page,
and, in headless Chromium, the rendered marks, the filter script and that injected markup
runs nothing.

The hand-made case is one document whose text carries markup payloads (a prediction's span
text is corpus text) and whose predictions carry payloads in labels, notes, clusters and
roles. Its marks, computed by hand (same layer, span and label = matched):

  gold (9): Alpha PER, said Contact.Statement, 3 count, cue "said", source "Alpha"  matched
            PAYLOAD ORG                                                            matched
            Beta PER, Gamma GPE, content "3 men met Beta in Gamma"                 missed
  pred (11): the 6 matches; Beta ORG, the onerror span (label payload), content
             "3 men met Beta"                                                      false pos.
             "Footer" ORG and "7" (page furniture)                                 ignored
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import palmyra
from palmyra.annotations import AnnotationDocument
from palmyra.corpus import Document, Zone, load_corpus
from palmyra.io import read_documents, read_gold
from palmyra.report import html as report

PAYLOAD = ("<script>alert(1)</script> <script>document.title='pwned'</script> "
           "<img src=x onerror=\"document.title='pwned'\"> \" onerror=\"alert(1) "
           "</script><div id=\"pwned\">x</div>\u2028")
ONERROR = "\" onerror=\"alert(1)"
TEXT = ("Alpha said 3 men met Beta in Gamma.\r\n"
        f"{PAYLOAD}end.\n"
        "Footer 7 here\n")
FOOTER = TEXT.index("Footer")
TITLE = "palmyra evaluation report"
LABEL_PAYLOAD = "<script>alert(1)</script>"
NOTE_PAYLOAD = "</script><div id=\"pwned\"></div>\u2028\u2029\" onerror=\"alert(1)"


def _span(text: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(text, start + 1)
    return {"start": start, "end": start + len(text), "text": text}


def _gold() -> dict:
    return {
        "doc_id": "t-1", "status": "gold",
        "entities": [
            {"id": "m1", **_span("Alpha"), "type": "PER", "level": "NAM", "cluster": "E:alpha"},
            {"id": "m2", **_span("Beta"), "type": "PER", "level": "NAM", "cluster": "E:beta"},
            {"id": "m3", **_span("Gamma"), "type": "GPE", "level": "NAM", "cluster": "E:gamma"},
            {"id": "m4", **_span(PAYLOAD), "type": "ORG", "level": "NOM", "cluster": "E:p"},
        ],
        "events": [{"id": "ev1", "trigger": _span("said"), "type": "Contact.Statement",
                    "realis": "ACTUAL", "arguments": [{"role": "Speaker", "mention": "m1"}]}],
        "numbers": [{"id": "n1", **_span("3"), "kind": "count", "value": 3,
                     "qualifier": "exact"}],
        "attributions": [{"id": "a1", "source": {**_span("Alpha"), "mention": "m1"},
                          "cue": [_span("said")], "content": [_span("3 men met Beta in Gamma")],
                          "type": "indirect"}],
    }


def _pred() -> dict:
    return {
        "doc_id": "t-1", "status": "prediction",
        "entities": [
            {"id": "p1", **_span("Alpha"), "type": "PER"},
            {**_span("Beta"), "type": "ORG"},
            {**_span(PAYLOAD), "type": "ORG", "note": NOTE_PAYLOAD,
             "cluster": "\" onerror=\"document.title='pwned'"},
            {**_span(ONERROR), "type": LABEL_PAYLOAD, "note": "<b>bold</b>"},
            {**_span("Footer"), "type": "ORG"},
        ],
        "events": [{"trigger": _span("said"), "type": "Contact.Statement", "realis": "ACTUAL",
                    "arguments": [{"role": "<i onmouseover=alert(1)>Speaker", "mention": "p1"}],
                    "note": "<script>document.title='pwned'</script>"}],
        "numbers": [{**_span("3"), "kind": "count", "value": 3, "unit": "</script>"},
                    {**_span("7"), "kind": "count", "value": 7}],
        "attributions": [{"source": _span("Alpha"), "cue": [_span("said")],
                          "content": [_span("3 men met Beta")], "type": "indirect",
                          "implicit_source": None, "note": "\u2028</script>"}],
    }


EXPECTED = {"gold": 9, "pred": 11, "fn": 3, "fp": 3, "ign": 2, "tp": 12}


def _case(pred: dict | None = None) -> tuple:
    doc = Document("t-1", TEXT, {"doc_id": "t-1", "headline": PAYLOAD},
                   (Zone("body", 0, FOOTER), Zone("boilerplate", FOOTER, len(TEXT))))
    corpus = {"t-1": doc}
    gold = {"t-1": AnnotationDocument.from_dict(_gold())}
    preds = {"t-1": AnnotationDocument.from_dict(pred or _pred())}
    result = palmyra.evaluate(gold, preds, corpus=corpus, bootstrap=0)
    return result, gold, preds, corpus


@pytest.fixture(scope="module")
def case() -> tuple:
    return _case()


@pytest.fixture(scope="module")
def page(case: tuple) -> str:
    return report.render(*case)


@pytest.fixture(scope="module")
def bundled() -> tuple:
    """The bundled gold against examples/noisy-predictions.jsonl (no resampling: the
    intervals do not matter here)."""
    root = Path(__file__).resolve().parent.parent
    preds_path = root / "examples" / "noisy-predictions.jsonl"
    result = palmyra.evaluate(None, preds_path, bootstrap=0)
    return (result, read_gold(None).docs, read_documents(preds_path).docs, load_corpus())


class _Page(HTMLParser):
    """Every element's tag and attributes, the <title> text, and the script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("title", "script"):
            self._in = tag
            if tag == "script":
                self.scripts.append((dict(attrs), ""))

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _texts(page: str) -> list[str]:
    """The text of each document, from the markup: tags stripped, references resolved."""
    return [html.unescape(re.sub(r"<[^>]*>", "", body))
            for body in re.findall(r'<div class="text">(.*?)</div>', page, flags=re.S)]


def _marks(elements: list[tuple[str, dict]]) -> dict[str, int]:
    """Distinct items (data-i) by class: gold/pred side and status."""
    seen: dict[str, set[str]] = {}
    for _, attrs in elements:
        classes = (attrs.get("class") or "").split()
        if "it" in classes and attrs.get("data-i") is not None:
            for name in ("g", "p", "tp", "fn", "fp", "ign", "un"):
                if name in classes:
                    seen.setdefault(name, set()).add(attrs["data-i"])
    counts = {k: len(v) for k, v in seen.items()}
    return {"gold": counts.get("g", 0), "pred": counts.get("p", 0), "tp": counts.get("tp", 0),
            "fn": counts.get("fn", 0), "fp": counts.get("fp", 0), "ign": counts.get("ign", 0)}


def _json_block(page: str) -> str:
    return re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                     page, flags=re.S).group(1)


# --- segments and marks -------------------------------------------------------------------------

def test_segments_split_overlapping_and_nested_spans() -> None:
    spans = [(0, 4), (2, 6), (2, 4), (3, 3), (8, 15)]
    assert report.segments(10, spans, cuts=[7]) == [
        (0, 2, (0,)), (2, 4, (0, 1, 2)), (4, 6, (1,)), (6, 7, ()), (7, 8, ()), (8, 10, (4,))]
    assert report.segments(0, []) == []


@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=8),
    st.lists(st.integers(0, n), max_size=3))))
def test_segments_partition_the_text(args: tuple) -> None:
    n, spans, cuts = args
    segs = report.segments(n, spans, cuts)
    assert [a for a, _, _ in segs] == [0, *[b for _, b, _ in segs][:-1]]
    assert segs[0][0] == 0 and segs[-1][1] == n and all(a < b for a, b, _ in segs)
    for a, b, covering in segs:
        assert set(covering) == {i for i, (s, e) in enumerate(spans) if s <= a and b <= e}
        assert all(not s < c < e for s, e in [(a, b)] for c in cuts)


def test_marks_follow_span_and_label_matching(case: tuple) -> None:
    _, gold_docs, pred_docs, corpus = case
    gold = report.items(gold_docs["t-1"], "gold")
    pred = report.items(pred_docs["t-1"], "pred")
    report.classify(gold, pred, corpus["t-1"], report.LAYERS)
    status = {(x.side, x.layer, x.label, TEXT[x.start:x.end]): x.status for x in gold + pred}
    assert status == {
        ("gold", "entities", "PER", "Alpha"): "tp",
        ("gold", "entities", "PER", "Beta"): "fn",
        ("gold", "entities", "GPE", "Gamma"): "fn",
        ("gold", "entities", "ORG", PAYLOAD): "tp",
        ("gold", "events", "Contact.Statement", "said"): "tp",
        ("gold", "numbers", "count", "3"): "tp",
        ("gold", "attributions", "cue", "said"): "tp",
        ("gold", "attributions", "source", "Alpha"): "tp",
        ("gold", "attributions", "content", "3 men met Beta in Gamma"): "fn",
        ("pred", "entities", "PER", "Alpha"): "tp",
        ("pred", "entities", "ORG", "Beta"): "fp",
        ("pred", "entities", "ORG", PAYLOAD): "tp",
        ("pred", "entities", LABEL_PAYLOAD, ONERROR): "fp",
        ("pred", "entities", "ORG", "Footer"): "ign",
        ("pred", "events", "Contact.Statement", "said"): "tp",
        ("pred", "numbers", "count", "3"): "tp",
        ("pred", "numbers", "count", "7"): "ign",
        ("pred", "attributions", "cue", "said"): "tp",
        ("pred", "attributions", "source", "Alpha"): "tp",
        ("pred", "attributions", "content", "3 men met Beta"): "fp",
    }
    # A duplicated prediction is matched once; a layer that is not scored is marked so.
    twice = report.items(AnnotationDocument.from_dict(
        {**_pred(), "entities": [_pred()["entities"][0]] * 2}), "pred")
    gold = report.items(gold_docs["t-1"], "gold")
    report.classify(gold, twice, corpus["t-1"], ["entities"])
    assert sorted(x.status for x in twice if x.layer == "entities") == ["fp", "tp"]
    assert {x.status for x in gold if x.layer != "entities"} == {"un"}


def test_nested_gold_spans_get_separate_underline_levels() -> None:
    def item(start: int, end: int) -> report.Item:
        return report.Item("entities", "PER", start, end, "", start)

    outer, inner, beside, far = item(0, 10), item(2, 5), item(5, 8), item(12, 14)
    report.assign_lanes([outer, inner, beside, far])
    assert (inner.lane, beside.lane, far.lane, outer.lane) == (0, 0, 0, 1)


def test_marks_do_not_depend_on_the_order_of_the_lists(case: tuple, page: str) -> None:
    result, gold_docs, _, corpus = case
    shuffled = _pred()
    for layer in report.LAYERS:
        random.Random(7).shuffle(shuffled[layer])
    preds = {"t-1": AnnotationDocument.from_dict(shuffled)}
    assert report.render(result, gold_docs, preds, corpus) == page


def test_the_page_counts_the_hand_computed_marks(page: str) -> None:
    assert _marks(_parse(page).elements) == EXPECTED


# --- escaping and a self-contained page ---------------------------------------------------------

def test_every_input_string_is_escaped(page: str) -> None:
    for raw in ("<script>alert(1)</script>", ONERROR, "<div id=\"pwned\">", "<b>bold</b>",
                "<img src=x", "<i onmouseover", "document.title='pwned'</script>"):
        assert raw not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    parsed = _parse(page)
    assert parsed.title == TITLE
    assert [attrs for attrs, _ in parsed.scripts] == [
        {"type": "application/json", "id": "report-data"}, {}]
    for tag, attrs in parsed.elements:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert attrs.get("id") != "pwned" and tag != "img"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the text is shown, as text
    assert "&quot; onerror=&quot;alert(1)" in page


def test_the_data_block_escapes_markup_and_line_separators(page: str) -> None:
    block = _json_block(page)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in block
    data = json.loads(block)
    assert LABEL_PAYLOAD in data["labels"]
    assert any(NOTE_PAYLOAD in tip for tip in data["tips"])
    assert len(data["items"]) == len(data["tips"]) == EXPECTED["gold"] + EXPECTED["pred"]
    assert (report.json_block({"a": "</script>\u2028&"})
            == '{"a":"\\u003c/script\\u003e\\u2028\\u0026"}')


def test_the_text_is_reproduced_exactly(case: tuple, page: str, bundled: tuple) -> None:
    assert _texts(page) == [TEXT]
    assert "&#13;" in page  # a carriage return survives the HTML parser
    result, gold, preds, corpus = bundled
    assert _texts(report.render(result, gold, preds, corpus)) == [
        corpus[d].text for d in sorted(gold)]


def test_the_page_loads_nothing(page: str) -> None:
    parsed = _parse(page)
    for tag, attrs in parsed.elements:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "source")
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), (tag, name, value)
                assert not re.search(r"https?:|//", value), (tag, name, value)
    style = re.search(r"<style>(.*?)</style>", page, flags=re.S).group(1)
    assert "url(" not in style and "@import" not in style
    [csp] = [a["content"] for t, a in parsed.elements
             if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = dict(p.strip().split(" ", 1) for p in csp.split(";"))
    assert policy["default-src"] == "'none'"
    script = parsed.scripts[1][1]
    assert policy["script-src"] == report._csp_hash(script)
    assert policy["style-src"] == report._csp_hash(style)
    assert "unsafe" not in csp and "http" not in csp and "*" not in csp


def test_the_script_never_parses_markup() -> None:
    script = report._asset("report.js")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "Function(", "setTimeout", "setInterval"):
        assert sink not in script
    assert "JSON.parse(document.getElementById(\"report-data\").textContent)" in script


def test_a_document_without_prediction_is_shown_as_missed(bundled: tuple) -> None:
    result, gold, preds, corpus = bundled
    page = report.render(result, gold, {d: p for d, p in preds.items() if d != "palmyra-004"},
                         corpus)
    article = re.search(r'<article class="doc" id="doc-palmyra-004">.*?</article>', page,
                        flags=re.S).group(0)
    assert "no prediction for this document: scored as empty" in article
    counts = _marks(_parse(article).elements)
    assert counts["pred"] == counts["tp"] == 0 and counts["gold"] == counts["fn"] > 0


def test_write_report_is_atomic_and_fast(bundled: tuple, tmp_path: Path) -> None:
    result, gold, preds, corpus = bundled
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    started = time.perf_counter()
    report.write_report(target, result, gold, preds, corpus)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"the report of the 5-document corpus took {elapsed:.2f} s"
    page = target.read_text(encoding="utf-8")
    assert page == report.render(result, gold, preds, corpus)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert len(page.encode("utf-8")) < 600_000
    with pytest.raises(OSError):
        report.write_report(tmp_path / "missing" / "r.html", result, gold, preds, corpus)


# --- in a browser -------------------------------------------------------------------------------

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    return next((path for path in map(shutil.which, _BROWSERS) if path), None)


needs_browser = pytest.mark.skipif(
    _browser() is None,
    reason="headless browser test: chromium is not installed (apt-get install chromium)")


def _dump_dom(browser: str, page: Path, fragment: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, as Chromium serialises it."""
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
         "--virtual-time-budget=2000", "--dump-dom", page.as_uri() + fragment],
        capture_output=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")[-2000:]
    return run.stdout.decode("utf-8")  # bytes: keep carriage returns as they are


@needs_browser
def test_in_chromium_marks_filters_and_no_injection(case: tuple, tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    target = tmp_path / "report.html"
    report.write_report(target, *case)

    dom = _dump_dom(browser, target, "", tmp_path / "profile-1")
    parsed = _parse(dom)
    body = next(attrs for tag, attrs in parsed.elements if tag == "body")
    assert body["data-active"] == "entities events numbers attributions"  # the script ran
    assert _marks(parsed.elements) == EXPECTED
    assert parsed.title == TITLE
    assert not [attrs for _, attrs in parsed.elements if attrs.get("id") == "pwned"]
    assert not [tag for tag, _ in parsed.elements if tag == "img"]
    assert len(parsed.scripts) == 2
    assert _texts(dom) == [TEXT]
    shown = re.search(r'<output id="shown">(.*?)</output>', dom).group(1)
    assert shown == ("shown: 9 gold (6 matched, 3 missed); "
                     "11 predicted (6 matched, 3 false positives, 2 ignored)")

    dom = _dump_dom(browser, target, "#layer=numbers", tmp_path / "profile-2")
    parsed = _parse(dom)
    body = next(attrs for tag, attrs in parsed.elements if tag == "body")
    assert body["data-active"] == "numbers"
    marks = [attrs["class"].split() for _, attrs in parsed.elements
             if "it" in (attrs.get("class") or "").split() and "data-i" in attrs]
    assert marks and all(("off" in c) != ("num" in c) for c in marks)
    shown = re.search(r'<output id="shown">(.*?)</output>', dom).group(1)
    assert shown == "shown: 1 gold (1 matched); 2 predicted (1 matched, 1 ignored)"
    assert parsed.title == TITLE


@needs_browser
def test_in_chromium_tooltips_list_the_items_as_text(case: tuple, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Hovering builds a title from the JSON data; the payloads in it stay text. (The page
    is rendered with a script that hovers over every mark, and the policy allows that
    script by its hash as it does the report's.)"""
    browser = _browser()
    assert browser is not None
    original = report._asset
    script = original("report.js") + (
        'document.querySelectorAll("#documents .it[data-i]").forEach(function (el) {'
        ' el.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); });\n')
    monkeypatch.setattr(report, "_asset",
                        lambda name: script if name == "report.js" else original(name))
    target = tmp_path / "report.html"
    report.write_report(target, *case)
    parsed = _parse(_dump_dom(browser, target, "", tmp_path / "profile"))
    titles = [attrs["title"] for _, attrs in parsed.elements
              if "it" in (attrs.get("class") or "").split() and "title" in attrs]
    hovered = next(t for t in titles if f"entity {LABEL_PAYLOAD}" in t)
    assert hovered.split("\n") == [
        f"pred \u2013 false positive: entity {LABEL_PAYLOAD} \u00b7 \u201c{ONERROR}\u201d "
        "\u00b7 note: <b>bold</b>",
        "pred \u2013 matched: entity ORG \u00b7 cluster \" onerror=\"document.title='pwned' "
        f"\u00b7 {report._quote(PAYLOAD)} \u00b7 note: {NOTE_PAYLOAD}",
        f"gold \u2013 matched: entity ORG \u00b7 NOM \u00b7 cluster E:p \u00b7 m4 \u00b7 "
        f"{report._quote(PAYLOAD)}"]
    assert parsed.title == TITLE
    assert not [attrs for _, attrs in parsed.elements if attrs.get("id") == "pwned"]


def test_a_document_without_zones_is_all_article_text() -> None:
    doc = Document("t-2", "a <b> & c", {"doc_id": "t-2"})
    gold = report.items(AnnotationDocument.from_dict(
        {"doc_id": "t-2", "entities": [{"start": 2, "end": 5, "text": "<b>", "type": "ORG"}]}),
        "gold")
    report.classify(gold, [], doc, ["entities"])
    assert report.render_text(doc, gold, first=4) == (
        'a <span class="it g fn ent l0" data-i="4">&lt;b&gt;</span> &amp; c')
