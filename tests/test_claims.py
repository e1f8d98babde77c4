"""The claims layer: the gold file, its schema and checks (also through `palmyra validate`),
the claims task's scorer (hand-computed values), the baseline, and `palmyra claims`."""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import write_json
from palmyra import claims as C
from palmyra.annotations import Number, Span
from palmyra.claims_baseline import baseline_claims, number_relation
from palmyra.cli import main
from palmyra.ontology import load_ontology
from palmyra.paths import annotations_dir, schema_dir
from palmyra.scoring import claims as S
from palmyra.stats import prf, total

GOLD_PATH = annotations_dir() / "claims.json"
GOLD = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
DOCS = C.load_gold_documents()
ORDER = ("conflict", "compatible", "agree", "single_source")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture):
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def by_topic(topic: str) -> dict:
    return next(c for c in GOLD["claims"] if c["topic"] == topic)


def keys(claim: dict) -> set[tuple[str, str]]:
    return {(m["doc_id"][-3:], m["id"]) for m in claim["mentions"]}


# --------------------------------------------------------------------------- schema


def test_schema_is_valid_and_its_relations_are_the_ontologys():
    schema = json.loads((schema_dir() / "claims.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "urn:palmyra-corpus:schema:claims:1.0.0"
    relations = schema["$defs"]["claim"]["properties"]["relation"]["enum"]
    assert relations == list(load_ontology().raw["claim_relations"]) == list(C.RELATIONS)
    layers = schema["$defs"]["mention"]["properties"]["layer"]["enum"]
    assert layers == list(C.MENTION_LAYERS)
    patterns = [v for k, v in _walk(schema) if k == "pattern"]
    assert patterns and all(p.endswith("(?![\\s\\S])") for p in patterns)


def _walk(node: object):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


# --------------------------------------------------------------------------- the gold


def test_the_gold_is_clean_and_round_trips():
    assert C.validate_claims_file(GOLD_PATH) == []
    assert C.ClaimsDocument.from_dict(GOLD).to_dict() == GOLD
    assert C.dumps(GOLD) == GOLD_PATH.read_text(encoding="utf-8")  # canonical form


def test_gold_ids_order_and_coverage():
    claims = GOLD["claims"]
    assert [c["id"] for c in claims] == [f"c{i}" for i in range(1, len(claims) + 1)]
    firsts = [(c["mentions"][0]["doc_id"], c["mentions"][0]["start"]) for c in claims]
    assert firsts == sorted(firsts)
    assert len({c["topic"] for c in claims}) == len(claims)
    numbers = {(d, n.id) for d, doc in DOCS.items() for n in doc.layer("numbers")}
    in_claims = [(m["doc_id"], m["id"]) for c in claims for m in c["mentions"]
                 if m["layer"] == "numbers"]
    assert sorted(in_claims) == sorted(numbers)  # every number, exactly once
    for c in claims:  # single_source exactly when one document states the claim
        assert (c["relation"] == "single_source") == (len({m["doc_id"]
                                                           for m in c["mentions"]}) == 1)


@pytest.mark.parametrize("topic, relation, mentions", [
    ("attackers-count", "compatible", {("002", "n1"), ("002", "ev23"), ("004", "n3")}),
    ("airstrikes-count", "compatible", {("002", "n2"), ("004", "n4")}),
    ("troops-killed", "agree", {("000", "n3"), ("001", "n2")}),
    ("escape-route", "conflict", {("002", "ev21"), ("002", "m61"), ("003", "m60")}),
    ("reinforcements-origin", "compatible", {("002", "m54"), ("004", "m58")}),
    ("aleppo-control", "conflict", {("000", "m36"), ("001", "m33"), ("004", "m89")}),
    ("mosul-counterattack-agent", "compatible", {("002", "m70"), ("003", "m83")}),
    ("us-troops-destination", "compatible", {("000", "m94"), ("003", "m104")}),
    ("director-killing", "compatible", {("001", "ev28"), ("003", "ev39")}),
    ("civil-war-start", "agree", {("002", "n5"), ("004", "n6")}),
])
def test_the_cross_source_disagreements_of_the_corpus(topic, relation, mentions):
    claim = by_topic(topic)
    assert (claim["relation"], keys(claim)) == (relation, mentions)


def test_source_chains_and_hedging_come_from_the_attribution_layer():
    d000, d002, d004 = DOCS["palmyra-000"], DOCS["palmyra-002"], DOCS["palmyra-004"]
    trigger = {e.id: e.trigger for e in d000.layer("events")}
    assert C.source_chain(d000, "events", "ev18", trigger["ev18"]) == ("a8", "a9")  # BBC > PCC
    ev3 = next(e for e in d004.layer("events") if e.id == "ev3")
    assert C.source_chain(d004, "events", "ev3", ev3.trigger) == ("a2", "a3")
    assert C.source_chain(d004, "attributions", "a12", Span(0, 1, "x")) == ("a11", "a12")
    n1 = next(n for n in d002.layer("numbers") if n.id == "n1")
    assert C.source_chain(d002, "numbers", "n1", n1.span) == ("author",)
    assert C.chain_hedged(d002, ("a1",)) and not C.chain_hedged(d002, ("a2",))
    repelled = by_topic("russia-repelled-attack")["mentions"]
    assert [(m["source_chain"], m["hedged"]) for m in repelled] == [(["a1"], True),
                                                                    (["a17"], False)]


# --------------------------------------------------------------------------- checks


def _doc(*claims: dict, status: str = "prediction") -> dict:
    return {"schema_version": "1.0.0", "status": status, "claims": list(claims)}


def _m(doc: str, layer: str, item: str, **extra: object) -> dict:
    return {"doc_id": f"palmyra-{doc}", "layer": layer, "id": item, **extra}


def _lines(data: object) -> list[str]:
    return [str(p) for p in C.validate_claims(data)]


def test_a_minimal_prediction_is_valid():
    data = _doc({"relation": "compatible",
                 "mentions": [_m("002", "numbers", "n2"), _m("004", "numbers", "n4")]})
    assert _lines(data) == []


@pytest.mark.parametrize("mention, line", [
    (_m("004", "numbers", "n99"),
     "<memory>:$.claims[0].mentions[0].id: palmyra-004 has no item 'n99' in its numbers layer"),
    (_m("999", "numbers", "n1"),
     "<memory>:$.claims[0].mentions[0].doc_id: no gold document 'palmyra-999' "
     f"(palmyra-999.json is not in {annotations_dir()})"),
    (_m("004", "numbers", "n3", start=963, end=970, text="more th"),
     "<memory>:$.claims[0].mentions[0]: span 963-970 is not the number's span (numbers "
     "'n3' of palmyra-004: 963-978)"),
    (_m("004", "numbers", "n3", start=963, end=978, text="more than 4000"),
     '<memory>:$.claims[0].mentions[0].text: expected "more than 4,000" (text[963:978] of '
     'palmyra-004), found "more than 4000"'),
    (_m("004", "events", "ev3", source_chain=["a9"]),
     "<memory>:$.claims[0].mentions[0].source_chain: warning: expected [\"a2\", \"a3\"] "
     "(the attributions whose content holds the span, outermost first), found [\"a9\"]"),
    (_m("004", "events", "ev3", source_chain=["a99"]),
     "<memory>:$.claims[0].mentions[0].source_chain: palmyra-004 has no attribution 'a99'"),
    (_m("004", "layers", "n3"),
     "<memory>:$.claims[0].mentions[0].layer: expected one of numbers, events, "
     "attributions, entities; found \"layers\""),
])
def test_one_line_per_problem(mention, line):
    assert _lines(_doc({"relation": "single_source", "mentions": [mention]})) == [line]


def test_relation_empty_claims_and_duplicates():
    n2, n4 = _m("002", "numbers", "n2"), _m("004", "numbers", "n4")
    assert _lines(_doc({"relation": "maybe", "mentions": [n2]})) == [
        '<memory>:$.claims[0].relation: expected one of agree, compatible, conflict, '
        'single_source; found "maybe"']
    assert _lines(_doc({"relation": "agree", "mentions": []})) == [
        "<memory>:$.claims[0].mentions: expected at least 1 item(s), found 0"]
    assert _lines(_doc({"relation": "agree", "mentions": [n2]},
                       {"relation": "agree", "mentions": [n4, n2]})) == [
        "<memory>:$.claims[0].relation: warning: agree needs two or more documents; only "
        "palmyra-002 states the claim: expected single_source",
        "<memory>:$.claims[1].mentions[1]: numbers item 'n2' of palmyra-002 is already a "
        "mention of claim $.claims[0] ($.claims[0].mentions[0]); an item is a mention of one "
        "claim only"]
    assert _lines(_doc({"relation": "single_source", "mentions": [n2, n2]}))[0].endswith(
        "is listed twice in this claim ($.claims[0].mentions[0]); an item is a mention of "
        "one claim only")


def test_gold_is_stricter_than_a_prediction():
    """In gold: fields required, chain/hedge/relation mismatches are errors, every number
    must be in a claim; in a prediction the same are warnings or allowed."""
    bare = _doc({"relation": "single_source", "mentions": [_m("002", "numbers", "n3")]},
                status="gold")
    lines = _lines(bare)
    assert "<memory>:$.claims[0]: missing required property 'id' (required when status is " \
           "gold)" in lines
    assert "<memory>:$.claims[0].mentions[0]: missing required property 'source_chain' " \
           "(required when status is gold)" in lines
    coverage = [x for x in lines if "is in no claim" in x]
    assert len(coverage) == sum(len(d.layer("numbers")) for d in DOCS.values()) - 1
    gold = copy.deepcopy(GOLD)
    claim = next(c for c in gold["claims"] if c["topic"] == "russia-repelled-attack")
    claim["mentions"][0]["hedged"] = False  # its chain ("claimed") is hedged
    claim["relation"] = "single_source"
    assert _lines(gold) == [
        f"<memory>:$.claims[{gold['claims'].index(claim)}].mentions[0].hedged: expected "
        "true: attribution 'a1' of the source chain is hedged",
        f"<memory>:$.claims[{gold['claims'].index(claim)}].relation: single_source, but 2 "
        "documents state the claim (palmyra-002, palmyra-004)"]


def test_the_compiled_pre_check_changes_no_problem(tmp_path: Path, monkeypatch):
    """jsonschema-rs only answers "valid?": a valid document never builds jsonschema's
    validator, and a bad one gets the same lines with the pre-check as without it."""
    pytest.importorskip("jsonschema_rs")
    schemas = tmp_path / "schema"
    shutil.copytree(schema_dir(), schemas)
    n2 = _m("002", "numbers", "n2")
    bad = [_doc({"relation": "maybe", "mentions": [n2]}),
           _doc({"relation": "agree", "mentions": []}),
           _doc({"relation": "single_source", "mentions": [_m("004", "layers", "n3")]}),
           _doc({"relation": "single_source", "mentions": [n2]}, status="gold")]

    def lines(data: dict) -> list[str]:
        return [str(p) for p in C.validate_claims(data, schemas=schemas)]

    assert lines(_doc({"relation": "single_source", "mentions": [n2]})) == []
    compiled = C._schema(schemas)
    assert compiled.fast is not None and compiled._full is None
    fast = [lines(data) for data in bad]
    assert compiled._full is not None and all(fast)
    C._schema.cache_clear()
    monkeypatch.setattr(C, "accelerated", lambda: False)
    assert C._schema(schemas).fast is None
    assert [lines(data) for data in bad] == fast
    C._schema.cache_clear()


def test_bad_files_give_lines_not_tracebacks(tmp_path: Path):
    bad = tmp_path / "claims.json"
    bad.write_text('{"claims": [', encoding="utf-8")
    assert [str(p) for p in C.validate_claims_file(bad)] == [
        f"{bad}:$: not valid JSON: Expecting value at line 1, column 13"]
    bad.write_text("[]", encoding="utf-8")
    assert [str(p) for p in C.validate_claims_file(bad)] == [
        f"{bad}:$: expected a JSON object (a claims document), found array"]
    missing = C.validate_claims_file(tmp_path / "none.json")
    assert len(missing) == 1 and missing[0].message.startswith("cannot read")


# --------------------------------------------------------------------------- palmyra validate


def _copy_gold(tmp_path: Path) -> Path:
    root = tmp_path / "annotations"
    root.mkdir()
    for path in annotations_dir().glob("*.json"):
        shutil.copy(path, root / path.name)
    return root


def test_palmyra_validate_checks_the_folders_claims(tmp_path: Path, cli):
    root = _copy_gold(tmp_path)
    n_files = len(list(root.glob("*.json")))
    assert cli("validate", str(root)) == (0, "", f"palmyra validate: {n_files} files, "
                                                 "0 problems\n")
    data = copy.deepcopy(GOLD)
    data["claims"][0]["mentions"][0]["text"] = "ten months"
    write_json(root / "claims.json", data)
    code, out, err = cli("validate", str(root))
    mention = data["claims"][0]["mentions"][0]
    assert code == 1
    assert out == (f"{root / 'claims.json'}:$.claims[0].mentions[0].text: expected "
                   f"\"{GOLD['claims'][0]['mentions'][0]['text']}\" (text[{mention['start']}:"
                   f"{mention['end']}] of {mention['doc_id']}), found \"ten months\"\n")
    assert err == f"palmyra validate: {n_files} files, 1 problem (1 error, 0 warnings)\n"


def test_a_folder_holding_only_claims_resolves_against_the_bundled_gold(tmp_path: Path, cli):
    write_json(tmp_path / "claims.json", GOLD)
    assert cli("validate", str(tmp_path))[0] == 0


# --------------------------------------------------------------------------- scoring


def _claims(*groups: tuple[str, set[str]]) -> C.ClaimsDocument:
    """Claims over abstract mention keys: ("relation", {"a", "b"})."""
    return C.ClaimsDocument(tuple(
        C.Claim(rel, tuple(C.ClaimMention("d", "numbers", k) for k in sorted(ks)))
        for rel, ks in groups))


KEY = _claims(("compatible", {"a", "b"}), ("agree", {"c", "d"}), ("single_source", {"e"}))
RESPONSE = _claims(("compatible", {"a", "b", "c"}), ("single_source", {"d"}),
                   ("agree", {"e"}))


def test_hand_computed_scores():
    counts = S.score(KEY, RESPONSE)
    t = counts["claims", "b3", "*"]
    # recall: a 1, b 1, c 1/2, d 1/2, e 1 -> 4/5; precision: a 2/3, b 2/3, c 1/3, d 1, e 1
    assert (t["r_num"], t["r_den"]) == pytest.approx((4.0, 5.0))
    assert (t["p_num"], t["p_den"]) == pytest.approx((11 / 3, 5.0))
    t = counts["claims", "ceafe", "*"]
    # best one-to-one: {a,b}-{a,b,c} 4/5, {c,d}-{d} 2/3, {e}-{e} 1
    assert (t["p_num"], t["p_den"], t["r_den"]) == pytest.approx((0.8 + 2 / 3 + 1, 3, 3))
    # matched by maximum overlap: (ab, abc) compatible=compatible; (cd, d) agree!=single;
    # (e, e) single!=agree
    t = counts["claims", "relation_accuracy", "*"]
    assert (t["p_num"], t["p_den"], t["r_num"], t["r_den"], t["matched"]) == (1, 3, 1, 3, 3)
    assert prf(counts["claims", "relation_accuracy", "agree"])["recall"] == 0.0
    assert prf(counts["claims", "relation_accuracy", "compatible"])["recall"] == 1.0
    t = counts["claims", "relation", "*"]
    assert (t["p_num"], t["p_den"], t["r_num"], t["r_den"]) == (1, 3, 1, 3)


def test_scores_are_sums_of_components_and_order_free():
    units = S.score_units(KEY, RESPONSE)
    assert len(units) == 2  # {ab, cd | abc, d} and {e | e}
    assert total(units).table == S.score(KEY, RESPONSE).table
    rng = random.Random(7)
    shuffled = list(RESPONSE.claims)
    rng.shuffle(shuffled)
    shuffled = [C.Claim(c.relation, tuple(rng.sample(c.mentions, len(c.mentions))))
                for c in shuffled]
    assert S.score(KEY, C.ClaimsDocument(tuple(shuffled))).table == \
        S.score(KEY, RESPONSE).table


def test_matching_prefers_the_closer_size_among_equal_overlaps():
    gold = S.groups(_claims(("agree", {"a", "b"})))
    pred = S.groups(_claims(("agree", {"b"}), ("conflict", {"a", "c"})))
    assert [(gold[i].keys, pred[j].keys) for i, j in S.match(gold, pred)] == [
        (frozenset({("d", "numbers", "a"), ("d", "numbers", "b")}),
         frozenset({("d", "numbers", "a"), ("d", "numbers", "c")}))]


def test_gold_against_itself_is_perfect_and_layers_restrict():
    gold = C.load(GOLD_PATH)
    counts = S.score(gold, gold)
    assert all(prf(counts["claims", m, "*"])["f1"] == 1.0 for m in S.MODES)
    numbers = S.score(gold, gold, layers={"numbers"})["claims", "mentions", "*"]
    assert numbers["r_den"] == sum(len(d.layer("numbers")) for d in DOCS.values())


# --------------------------------------------------------------------------- baseline


def _n(qualifier: str, value=None, low=None, high=None, increment=None, timex=None,
       kind="count") -> Number:
    return Number(Span(0, 1, "x"), kind, value=value, low=low, high=high, timex=timex,
                  qualifier=qualifier, increment=increment)


@pytest.mark.parametrize("a, b, relation", [
    (_n("exact", 64), _n("lower_bound", low=60), "compatible"),
    (_n("exact", 4000), _n("lower_bound", low=4000), "compatible"),
    (_n("approximate", 50), _n("approximate", 50), "agree"),
    (_n("approximate", 50), _n("exact", 53), "compatible"),
    (_n("exact", 10), _n("exact", 12), "conflict"),
    (_n("exact", 200, increment=True), _n("exact", 200), "compatible"),
    (_n("vague", low=200, high=999), _n("exact", 1200), "conflict"),
    (_n("exact", kind="date", timex="2015-05"), _n("exact", kind="date", timex="2015"),
     "compatible"),
    (_n("exact", kind="date", timex="2011"), _n("exact", kind="date", timex="2014"),
     "conflict"),
])
def test_number_relation(a, b, relation):
    assert number_relation(a, b) == number_relation(b, a) == relation


def test_the_baseline_groups_numbers_by_value():
    predicted = baseline_claims(DOCS)
    assert [p for p in C.validate_claims(predicted.to_dict()) if p.severity == "error"] == []
    found = {frozenset((m.doc_id[-3:], m.id) for m in c.mentions): c.relation
             for c in predicted.claims}
    assert found[frozenset({("002", "n1"), ("004", "n3")})] == "compatible"  # 4,000
    assert found[frozenset({("002", "n2")})] == "single_source"  # 64 apart from 60
    assert found[frozenset({("000", "n3"), ("001", "n2")})] == "agree"  # about 50
    assert sum(len(k) for k in found) == sum(len(d.layer("numbers")) for d in DOCS.values())
    counts = S.score(C.load(GOLD_PATH), predicted)
    t = counts["claims", "mentions", "*"]
    gold_mentions = sum(len(c["mentions"]) for c in GOLD["claims"])
    assert (t["p_num"], t["p_den"], t["r_den"]) == (t["p_den"], t["r_num"], gold_mentions)


# --------------------------------------------------------------------------- the command


def test_report_puts_conflicts_first(cli):
    code, out, err = cli("claims")
    assert (code, err) == (0, "")
    first = out.splitlines()[0]
    n = len(GOLD["claims"])
    assert first.startswith(f"palmyra claims: {n} claims (")
    shown = [line.split("]")[0][1:] for line in out.splitlines() if line.startswith("[")]
    assert len(shown) == n
    assert shown == sorted(shown, key=ORDER.index)
    code, out, _ = cli("claims", "--json")
    data = json.loads(out)
    assert [c["relation"] for c in data["claims"]] == sorted(
        (c["relation"] for c in GOLD["claims"]), key=ORDER.index)
    assert data["counts"]["by_relation"]["conflict"] == sum(
        c["relation"] == "conflict" for c in GOLD["claims"])


def test_html_report_is_self_contained_and_escaped(tmp_path: Path, cli):
    data = copy.deepcopy(GOLD)
    data["claims"][0]["note"] = '<script>alert("x")</script> & <b>'
    gold = write_json(tmp_path / "claims.json", data)
    page = tmp_path / "report.html"
    code, _, err = cli("claims", "--gold-claims", str(gold), "--html", str(page))
    assert (code, err) == (0, "")
    html = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "<script" not in html and "http" not in html.split("</head>")[1]
    assert 'http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;;' in html


def test_score_and_baseline_commands(tmp_path: Path, cli):
    code, out, _ = cli("claims", "--score", str(GOLD_PATH), "--bootstrap", "20", "--json")
    data = json.loads(out)
    assert code == 0 and all(e["f1"] == 1.0 for e in data["modes"].values())
    assert "|layer:claims|match:max-overlap|" in data["signature"]
    predictions = tmp_path / "baseline.json"
    code, out, err = cli("claims", "--baseline", "--output", str(predictions))
    assert (code, out, err) == (0, "", f"palmyra claims: baseline predictions written to "
                                       f"{predictions}\n")
    assert C.load(predictions) == baseline_claims(DOCS)
    code, out, _ = cli("claims", "--score", str(predictions), "--bootstrap", "50")
    assert code == 0
    expected = prf(S.score(C.load(GOLD_PATH), C.load(predictions))["claims", "b3", "*"])
    b3 = next(line for line in out.splitlines() if line.startswith("b3 "))
    assert b3.split()[1:4] == [f"{100 * expected[k]:.2f}" for k in ("precision", "recall",
                                                                     "f1")]


def test_bad_predictions_and_usage(tmp_path: Path, cli):
    pred = write_json(tmp_path / "pred.json", _doc(
        {"relation": "agree", "mentions": [_m("004", "numbers", "n42")]}))
    code, out, err = cli("claims", "--score", str(pred))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{pred}:$.claims[0].mentions[0].id: palmyra-004 has no item 'n42' in its numbers "
        "layer",
        "palmyra claims: 1 problem in the predicted claims"]
    assert cli("claims", "--score", str(tmp_path / "missing.json"))[0] == 2
    assert cli("claims", "--baseline", "--html", str(tmp_path / "x.html"))[0] == 2
    assert cli("claims", "--output", str(tmp_path / "x.json"))[0] == 2


def test_the_baseline_figures_in_the_docs_are_current():
    """docs/claims.md quotes the baseline's scores; they are recomputed here."""
    docs = (Path(__file__).parents[1] / "docs" / "claims.md").read_text(encoding="utf-8")
    gold, predicted = C.load(GOLD_PATH), baseline_claims(DOCS)
    names = {"B-cubed": "b3", "CEAF-e": "ceafe", "relation accuracy (22 matched)":
             "relation_accuracy", "relation, end-to-end": "relation"}
    checked = 0
    for scope, layers in (("all", None), ("numbers", {"numbers"})):
        modes = S.result(gold, predicted, gold_sha256="0" * 64, layers=layers)["modes"]
        for label, mode in names.items():
            row = f"| {scope} | {label} |"
            if row not in docs:
                continue
            e = modes[mode]
            cells = " | ".join(f"{100 * e[k]:.2f}" for k in ("precision", "recall", "f1"))
            ci = f"[{100 * e['ci95'][0]:.2f}, {100 * e['ci95'][1]:.2f}]"
            assert f"{row} {cells} | {ci} |" in docs
            checked += 1
    assert checked == 6
