"""The LLM adapter end to end against a chat-completions stub served on 127.0.0.1 (an
ephemeral port, a thread per request): requests, retries, timeouts, concurrency, parsing
and alignment. Offsets checked by hand against corpus/palmyra-004.txt; every test is
bounded by small timeouts and tiny backoffs, and nothing leaves the loopback interface."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from palmyra.corpus import Document, Zone, load_document
from palmyra.extractors import ExtractorError
from palmyra.extractors.align import Aligner, TextView
from palmyra.extractors.llm import (
    LLMConfigError,
    LLMError,
    make,
    parse_items,
    retry_after,
    settings_from,
)
from palmyra.validate import validate_document

KEY = "sk-test-0123456789abcdef"
_LAYER = re.compile(r'\{"(entities|events|numbers|attributions)": \[')


@dataclass
class Reply:
    content: Any = None          # str, or any JSON value (dumped) as the message content
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None    # the raw HTTP body instead of a chat completion
    delay: float = 0.0


def layer_of(request: dict) -> str:
    """The layer a request asks for (each prompt shows its output shape)."""
    match = _LAYER.search(request["messages"][-1]["content"])
    assert match, "the prompt shows no output shape"
    return match.group(1)


class Stub:
    """A chat-completions endpoint: `answer(request, n)` gives the reply to the n-th call."""

    def __init__(self) -> None:
        self.answer: Callable[[dict, int], Reply] = lambda request, n: Reply({})
        self.requests: list[tuple[dict[str, str], dict]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    n = len(stub.requests)
                    stub.requests.append(({k.lower(): v for k, v in self.headers.items()},
                                          body))
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    reply = stub.answer(body, n)
                    time.sleep(reply.delay)
                finally:
                    # Out of flight before the reply is written: the client may send its
                    # next request as soon as it has read this one.
                    with stub.lock:
                        stub.in_flight -= 1
                # The client may have given up (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.body is not None:
                    data = reply.body
                else:
                    content = (reply.content if isinstance(reply.content, str)
                               else json.dumps(reply.content))
                    data = json.dumps({"choices": [{"index": 0, "finish_reason": "stop",
                                                    "message": {"role": "assistant",
                                                                "content": content}}]}
                                      ).encode()
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll interval: shutdown() waits for the next poll.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def layers_called(self) -> list[str]:
        return [layer_of(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stub]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY", "PALMYRA_LLM_BASE_URL", "PALMYRA_LLM_MODEL",
                 "PALMYRA_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Stub()
    yield server
    server.close()


def extractor(stub: Stub, **options: str):
    base = {"base_url": stub.url, "model": "test-model", "api_key": KEY, "timeout": "2",
            "retries": "0", "backoff": "0.001"}
    return make({**base, **options})


@pytest.fixture(scope="module")
def doc_004() -> Document:
    return load_document("palmyra-004")


# What a model could answer for palmyra-004, one layer per request.
ANSWERS: dict[str, Any] = {
    "entities": {"entities": [
        {"text": "Palmyra", "type": "GPE", "level": "NAM",
         "context": "recaptured the ancient city of Palmyra on Sunday"},
        {"text": "Talal Barazi", "type": "PER", "level": "NAM"},
        {"text": "Syrian state TV", "type": "ORG", "level": "NOM"},
        {"text": "the Homs governor", "type": "PER", "level": "NOM"},
        {"text": "IS group militants", "type": "PER", "level": "NOM"},
        {"text": "IS group militants", "type": "PER", "level": "NOM"},
        {"text": "the army", "type": "ORG", "level": "NOM", "occurrence": 3},
    ]},
    "events": {"events": [
        {"trigger": "recaptured", "type": "Conflict.TakeControl", "realis": "ACTUAL",
         "context": "The Islamic State (IS) group recaptured the ancient city",
         "arguments": [{"role": "Captor", "text": "Islamic State"},
                       {"role": "Territory", "text": "Palmyra"}]},
        {"trigger": "pulled out", "type": "Conflict.Retreat", "realis": "ACTUAL",
         "arguments": [{"role": "Retreater", "text": "the army"},
                       {"role": "Origin", "text": "the city"}]},
    ]},
    "numbers": {"numbers": [
        {"text": "more than 4,000", "kind": "count", "value": None, "low": 4000,
         "high": None, "qualifier": "lower_bound", "unit": None, "timex": None},
        {"text": "2,000-year-old", "kind": "age", "value": 2000, "qualifier": "exact",
         "unit": "year", "timex": "P2000Y"},
        {"text": "10 months", "kind": "duration", "value": 10, "qualifier": "exact",
         "unit": "month", "timex": "P10M"},
    ]},
    "attributions": {"attributions": [
        {"source": "Syrian state TV", "cue": ["quoted"], "type": "indirect",
         "context": "Syrian state TV quoted the Homs governor",
         "content": ["The Islamic State (IS) group recaptured the ancient city of Palmyra on "
                     "Sunday and the army was fighting to regain control"]},
        {"source": "the Homs governor", "cue": "as saying", "type": "indirect",
         "hedged": False, "occurrence": 1,
         "content": "The Islamic State (IS) group recaptured the ancient city of Palmyra on "
                    "Sunday and the army was fighting to regain control"},
    ]},
}


def by_layer(answers: dict[str, Any] = ANSWERS) -> Callable[[dict, int], Reply]:
    return lambda request, n: Reply(answers[layer_of(request)])


def spans(items: Any) -> list[tuple[int, int, str]]:
    return [(x.span.start, x.span.end, x.span.text) for x in items]


def test_each_layer_is_aligned_to_exact_offsets(stub, doc_004):
    stub.answer = by_layer()
    with extractor(stub) as ex:
        prediction = ex(doc_004)
    assert sorted(stub.layers_called()) == ["attributions", "entities", "events", "numbers"]
    # "Palmyra" by its context (not the headline's, at 50); the second "IS group militants"
    # takes the second occurrence; "the army" the third by its occurrence index.
    assert [(*s, e.type, e.level) for s, e in zip(spans(prediction.entities),
                                                  prediction.entities, strict=True)] == [
        (299, 306, "Palmyra", "GPE", "NAM"),
        (362, 377, "Syrian state TV", "ORG", "NOM"),
        (385, 402, "the Homs governor", "PER", "NOM"),
        (523, 535, "Talal Barazi", "PER", "NAM"),
        (757, 765, "the army", "ORG", "NOM"),
        (979, 997, "IS group militants", "PER", "NOM"),
        (1718, 1736, "IS group militants", "PER", "NOM"),
    ]
    take, retreat = prediction.events
    assert (take.trigger.start, take.trigger.end, take.type, take.realis) == (
        268, 278, "Conflict.TakeControl", "ACTUAL")
    # Arguments: the occurrence nearest the trigger ("the army" at 574, not 321 or 757).
    assert [(a.role, a.span.start, a.span.end) for a in take.arguments] == [
        ("Captor", 243, 256), ("Territory", 299, 306)]
    assert (retreat.trigger.start, retreat.trigger.end) == (587, 597)
    assert [(a.role, a.span.text, a.span.start) for a in retreat.arguments] == [
        ("Retreater", "the army", 574), ("Origin", "the city", 601)]
    assert [n.to_dict() for n in prediction.numbers] == [
        {"start": 963, "end": 978, "text": "more than 4,000", "kind": "count", "value": None,
         "low": 4000, "high": None, "qualifier": "lower_bound"},
        {"start": 2289, "end": 2303, "text": "2,000-year-old", "kind": "age", "value": 2000,
         "timex": "P2000Y", "qualifier": "exact", "unit": "year"},
        {"start": 2440, "end": 2449, "text": "10 months", "kind": "duration", "value": 10,
         "timex": "P10M", "qualifier": "exact", "unit": "month"},
    ]
    a1, a2 = prediction.attributions
    assert (a1.source.span.start, a1.source.span.end) == (362, 377)
    assert [(c.start, c.end) for c in a1.cue] == [(378, 384)]
    assert [(c.start, c.end) for c in a1.content] == [(239, 360)]
    assert (a2.source.span.start, a2.source.span.end, a2.cue[0].start, a2.cue[0].end) == (
        385, 402, 403, 412)
    assert a1.type == a2.type == "indirect" and a2.hedged is False
    assert ex.issues == [] and prediction.notes is None
    assert validate_document(prediction.to_dict()) == []


def test_requests_carry_the_model_the_key_and_the_article_text(stub, doc_004):
    stub.answer = by_layer()
    with extractor(stub, layers="entities") as ex:
        ex(doc_004)
    (headers, body), = stub.requests
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["content-type"] == "application/json"
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert "response_format" not in body
    system, user = body["messages"]
    assert system["role"] == "system" and "strict JSON" in system["content"]
    assert "- PER: A person or a group of people" in user["content"]
    # The model sees the article zones only: no boilerplate, no credit.
    assert "Homs governor confirms" in user["content"]
    assert "Skip to main content" not in user["content"]
    assert "Louai Beshara / AFP" not in user["content"]
    assert "Page not found" not in user["content"]


def test_json_mode_and_other_request_options(stub, doc_004):
    stub.answer = by_layer()
    with extractor(stub, layers="numbers", json_mode="1", temperature="none",
                   max_tokens="500", seed="7") as ex:
        ex(doc_004)
    body = stub.requests[0][1]
    assert body["response_format"] == {"type": "json_object"}
    assert "temperature" not in body and body["max_tokens"] == 500 and body["seed"] == 7


def test_every_layer_prompt_names_its_labels(stub, doc_004):
    stub.answer = by_layer()
    with extractor(stub) as ex:
        ex(doc_004)
    prompts = {layer_of(body): body["messages"][-1]["content"] for _, body in stub.requests}
    assert "Conflict.TakeControl (roles: Captor, Territory, Loser, Place)" in prompts["events"]
    assert "- ACTUAL:" in prompts["events"]
    assert "- lower_bound:" in prompts["numbers"] and "km2" in prompts["numbers"]
    assert "- mixed:" in prompts["attributions"]
    assert "- unspecified:" in prompts["attributions"]
    assert all("$" not in p.replace("$5", "") for p in prompts.values())


def test_malformed_json_is_a_clear_error(stub, doc_004):
    stub.answer = lambda request, n: Reply("Sure! Here are the entities: [")
    with extractor(stub, layers="entities") as ex, pytest.raises(LLMError) as info:
        ex(doc_004)
    message = str(info.value)
    assert message.startswith("palmyra-004: entities: the answer is not JSON (Expecting value")
    assert "'Sure! Here are the entities: ['" in message


def test_a_wrong_shape_is_a_clear_error(stub, doc_004):
    stub.answer = lambda request, n: Reply({"mentions": []})
    with extractor(stub, layers="numbers") as ex, pytest.raises(LLMError) as info:
        ex(doc_004)
    assert str(info.value) == ('palmyra-004: numbers: wrong shape: expected {"numbers": [...]} '
                               "or a list, found an object with keys 'mentions'")


def test_parse_items_accepts_a_list_and_a_code_fence():
    assert parse_items('[{"text": "x"}]', "entities") == [{"text": "x"}]
    assert parse_items('```json\n{"entities": []}\n```', "entities") == []
    with pytest.raises(ValueError, match="found a JSON str"):
        parse_items('"entities"', "entities")


BAD_ITEMS = {"entities": [
    {"text": "Talal Barazi", "type": "PERSON", "level": "NAM"},    # unknown type: dropped
    {"text": "Palmyra", "type": "GPE", "level": "PROPER"},         # unknown level: no level
    "Homs",                                                        # not an object
    {"type": "ORG"},                                               # no text
    {"text": "Damascus", "type": "GPE"},                           # not in the document
    {"text": "AFP", "type": "ORG"},                                # only in the credit zone
    {"text": "Interfax", "type": "ORG", "occurrence": 0},          # bad index: ignored
    {"text": "interfax", "type": "ORG"},                           # = the one above
]}


def test_unusable_items_are_dropped_and_reported(stub, doc_004, caplog):
    stub.answer = by_layer(BAD_ITEMS)
    with extractor(stub, layers="entities") as ex, caplog.at_level(logging.WARNING):
        prediction = ex(doc_004)
    assert [(e.span.start, e.span.text, e.level) for e in prediction.entities] == [
        (50, "Palmyra", None), (1246, "Interfax", None)]
    messages = [str(i) for i in ex.issues]
    assert messages == [
        "palmyra-004: entities: $.entities[0].type: unknown entity type \"PERSON\" (expected "
        "PER, ORG, GPE, LOC, FAC); item dropped",
        "palmyra-004: entities: $.entities[1].level: unknown mention level \"PROPER\" "
        "(expected NAM, NOM, PRO); field dropped",
        "palmyra-004: entities: $.entities[2]: expected an object, found \"Homs\"; item "
        "dropped",
        "palmyra-004: entities: $.entities[3].text: expected a non-empty string, found "
        "nothing; item dropped",
        "palmyra-004: entities: $.entities[4].text: 'Damascus' does not occur in the "
        "article text",
        "palmyra-004: entities: $.entities[5].text: 'AFP' does not occur in the article "
        "text",
        "palmyra-004: entities: $.entities[6].occurrence: expected a whole number >= 1, "
        "found 0; ignored",
        "palmyra-004: entities: $.entities: 'Interfax' at 1246 listed twice; repeat dropped",
    ]
    assert ex.counts() == {"unknown-label": 2, "bad-item": 3, "unaligned": 2, "duplicate": 1}
    assert prediction.notes == ("llm issues: unaligned 2, unknown-label 2, bad-item 3, "
                                "duplicate 1")
    assert [r.getMessage() for r in caplog.records
            if r.name == "palmyra.extractors.llm"] == messages


def test_strict_makes_an_unknown_label_an_error(stub, doc_004):
    stub.answer = by_layer(BAD_ITEMS)
    with extractor(stub, layers="entities", strict="1") as ex, \
            pytest.raises(LLMError) as info:
        ex(doc_004)
    assert str(info.value) == ("palmyra-004: entities: $.entities[0].type: unknown entity "
                               "type \"PERSON\" (expected PER, ORG, GPE, LOC, FAC)")


def test_unknown_roles_and_unaligned_arguments_are_dropped(stub, doc_004):
    stub.answer = by_layer({"events": [
        {"trigger": "pulled out", "type": "Conflict.Retreat", "realis": "SOMETIMES",
         "arguments": [{"role": "Victim", "text": "the army"},
                       {"role": "Retreater", "text": "the navy"},
                       {"role": "Origin", "text": "the city"}]}]})
    with extractor(stub, layers="events") as ex:
        (event,) = ex(doc_004).events
    assert event.realis is None
    assert [(a.role, a.span.start) for a in event.arguments] == [("Origin", 601)]
    assert [i.kind for i in ex.issues] == ["unknown-label", "unknown-label", "unaligned"]
    assert "role for Conflict.Retreat \"Victim\" (expected Retreater, Agent, Origin, " \
           "Destination, Place)" in str(ex.issues[1])


def test_a_500_then_success_is_retried(stub, doc_004):
    stub.answer = lambda request, n: (Reply(status=500, body=b'{"error": "overloaded"}')
                                      if n == 0 else by_layer()(request, n))
    with extractor(stub, layers="numbers", retries="2") as ex:
        prediction = ex(doc_004)
    assert len(stub.requests) == 2 and len(prediction.numbers) == 3


def test_a_429_waits_for_retry_after(stub, doc_004):
    stub.answer = lambda request, n: (Reply(status=429, headers={"Retry-After": "1"},
                                            body=b"slow down")
                                      if n == 0 else by_layer()(request, n))
    started = time.monotonic()
    with extractor(stub, layers="numbers", retries="1") as ex:
        prediction = ex(doc_004)
    assert time.monotonic() - started >= 1.0  # the server's wait, not the 1 ms backoff
    assert len(stub.requests) == 2 and len(prediction.numbers) == 3


def test_retries_give_up_with_the_last_error(stub, doc_004):
    stub.answer = lambda request, n: Reply(status=503, body=b"down for maintenance")
    with extractor(stub, layers="numbers", retries="2") as ex, \
            pytest.raises(LLMError) as info:
        ex(doc_004)
    assert len(stub.requests) == 3
    assert str(info.value) == (f"palmyra-004: numbers: HTTP 503 from {stub.url}/chat/"
                               "completions: down for maintenance (3 attempts)")


def test_a_slow_answer_times_out_then_the_retry_succeeds(stub, doc_004):
    stub.answer = lambda request, n: Reply(ANSWERS["numbers"], delay=0.6 if n == 0 else 0)
    with extractor(stub, layers="numbers", timeout="0.2", retries="1") as ex:
        prediction = ex(doc_004)
    assert len(stub.requests) == 2 and len(prediction.numbers) == 3


def test_a_server_that_never_answers_in_time_is_a_timeout_error(stub, doc_004):
    stub.answer = lambda request, n: Reply(ANSWERS["numbers"], delay=0.6)
    started = time.monotonic()
    with extractor(stub, layers="numbers", timeout="0.2", retries="1") as ex, \
            pytest.raises(LLMError) as info:
        ex(doc_004)
    assert time.monotonic() - started < 2.0
    assert str(info.value) == (f"palmyra-004: numbers: no answer from {stub.url}/chat/"
                               "completions within 0.2 s (2 attempts)")


def test_a_client_error_is_not_retried_and_the_key_never_shows(stub, doc_004, caplog):
    stub.answer = lambda request, n: Reply(
        status=401, body=f'{{"error": "invalid key {KEY}"}}'.encode())
    with extractor(stub, layers="entities", retries="3") as ex, \
            pytest.raises(LLMError) as info, caplog.at_level(logging.DEBUG):
        ex(doc_004)
    assert len(stub.requests) == 1
    assert str(info.value) == (f"palmyra-004: entities: HTTP 401 from {stub.url}/chat/"
                               'completions: {"error": "invalid key <redacted>"}')
    assert KEY not in caplog.text and KEY not in repr(ex.settings)


def test_retries_are_logged_without_the_key(stub, doc_004, caplog):
    stub.answer = lambda request, n: (Reply(status=502, body=KEY.encode())
                                      if n == 0 else by_layer()(request, n))
    with extractor(stub, layers="numbers", retries="1") as ex, \
            caplog.at_level(logging.WARNING):
        ex(doc_004)
    (record,) = [r for r in caplog.records if "retry" in r.getMessage()]
    assert record.getMessage().startswith(
        f"palmyra-004: numbers: HTTP 502 from {stub.url}/chat/completions: <redacted>; "
        "retry 1 of 1 in ")
    assert KEY not in caplog.text


def test_at_most_concurrency_requests_are_in_flight(stub):
    stub.answer = lambda request, n: Reply({layer_of(request): []}, delay=0.15)
    docs = [Document(f"d{i}", f"Document {i} text.", {}) for i in range(3)]
    with extractor(stub, concurrency="2") as ex:
        predictions = ex.extract_all(docs)
    assert len(stub.requests) == 12  # 3 documents x 4 layers
    assert stub.max_in_flight == 2
    assert [p.doc_id for p in predictions] == ["d0", "d1", "d2"]
    assert all(p.entities == () and p.attributions == () for p in predictions)


def test_the_cap_holds_across_threads_calling_the_extractor(stub):
    stub.answer = lambda request, n: Reply({layer_of(request): []}, delay=0.1)
    docs = [Document(f"d{i}", "Text.", {}) for i in range(3)]
    with extractor(stub, concurrency="3", layers="entities,numbers") as ex:
        threads = [threading.Thread(target=ex, args=(d,)) for d in docs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(stub.requests) == 6 and stub.max_in_flight == 3


# --- alignment ----------------------------------------------------------------------------------

TWICE = "Palmyra fell. The army left Palmyra, and the army\u2019s tanks stayed. PALMYRA  fell."


def test_alignment_exact_then_loose():
    a = Aligner(TWICE)
    assert a.find_all("Palmyra") == [(0, 7), (28, 35)]  # exact matches hide the loose one
    assert a.find_all("palmyra fell") == [(0, 12), (66, 79)]  # case and whitespace
    assert a.find_all("the army's tanks") == [(41, 57)]  # typographic apostrophe
    assert a.find_all("Damascus") == [] and a.find_all("  ") == []
    # Occurrences that cut a word are used only when there is no other.
    assert Aligner("cities it had").find_all("it") == [(7, 9)]
    assert Aligner("cities").find_all("it") == [(1, 3)]
    assert Aligner("the U.S. said").find_all("U.S.") == [(4, 8)]


def test_alignment_chooses_by_index_context_nearness_or_first_unused():
    a = Aligner(TWICE)
    assert a.locate("Palmyra", occurrence=2) == (28, 35)
    assert a.locate("Palmyra", occurrence=9) == (0, 7)  # out of range: ignored
    assert a.locate("Palmyra", context="army left Palmyra") == (28, 35)
    # A snippet that is not in the text verbatim: the most similar surroundings win.
    assert a.locate("Palmyra", context="the army had left Palmyra and") == (28, 35)
    assert a.locate("Palmyra", near=60) == (28, 35)
    assert a.locate("Palmyra", used={(0, 7)}) == (28, 35)
    assert a.locate("Palmyra", used={(0, 7), (28, 35)}) == (0, 7)


def test_strings_twice_are_told_apart_by_context_in_a_document(stub):
    text = "Rebels said the army left. Later the army returned, officials said."
    doc = Document("t", text, {})
    stub.answer = by_layer({"entities": [
        {"text": "the army", "type": "ORG", "context": "Later the army returned"},
        {"text": "the army", "type": "ORG", "context": "Rebels said the army left"}],
        "attributions": [
        {"source": "officials", "cue": "said", "content": "the army returned",
         "type": "indirect", "context": "officials said"}]})
    with extractor(stub, layers="entities,attributions") as ex:
        prediction = ex(doc)
    assert spans(prediction.entities) == [(12, 20, "the army"), (33, 41, "the army")]
    (a,) = prediction.attributions
    assert (a.cue[0].start, a.source.span.start, a.content[0].start) == (62, 52, 33)


def test_the_view_maps_back_to_document_offsets():
    text = "Skip\nHeadline here\nPhoto: AFP\nBody text here."
    doc = Document("t", text, {}, (Zone("boilerplate", 0, 5), Zone("headline", 5, 19),
                                   Zone("credit", 19, 30), Zone("body", 30, len(text))))
    view = TextView.of(doc, {"headline", "body"})
    assert view.text == "Headline here\n\n\nBody text here."
    assert view.to_document(0, 8) == (5, 13)
    start = view.text.index("Body")
    assert view.to_document(start, start + 4) == (30, 34)
    assert view.to_document(9, start + 4) is None  # across the separator
    assert TextView.of(doc, None).text == text


# --- options --------------------------------------------------------------------------------

def test_settings_come_from_the_environment():
    env = {"PALMYRA_LLM_BASE_URL": "https://llm.example/v1", "PALMYRA_LLM_MODEL": "m",
           "OPENAI_API_KEY": "k1"}
    s = settings_from({}, env)
    assert (s.base_url, s.model, s.api_key) == ("https://llm.example/v1", "m", "k1")
    assert s.endpoint == "https://llm.example/v1/chat/completions"
    assert settings_from({}, {**env, "PALMYRA_LLM_API_KEY": "k2"}).api_key == "k2"
    assert settings_from({"api_key": "k3", "model": "n"}, env).model == "n"
    assert settings_from({}, {**env, "OPENAI_API_KEY": ""}).api_key is None
    assert (s.timeout, s.retries, s.concurrency, s.layers) == (
        60.0, 3, 4, ("entities", "events", "numbers", "attributions"))
    assert "k1" not in repr(s)


@pytest.mark.parametrize(("options", "message"), [
    ({}, "llm: no model: give --option model=NAME or set PALMYRA_LLM_MODEL"),
    ({"model": "m"}, "llm: no endpoint: give --option base_url=URL"),
    ({"model": "m", "base_url": "file:///etc/passwd"}, "expected an http:// or https:// URL"),
    ({"model": "m", "base_url": "http://h", "timeout": "soon"},
     "option timeout='soon': expected a number >= 0.001"),
    ({"model": "m", "base_url": "http://h", "concurrency": "0"},
     "option concurrency='0': expected a whole number >= 1"),
    ({"model": "m", "base_url": "http://h", "layers": "entities,coref"},
     "option layers='entities,coref': expected a comma-separated subset"),
    ({"model": "m", "base_url": "http://h", "json_mode": "sure"},
     "option json_mode='sure': expected 1 or 0"),
    ({"model": "m", "base_url": "http://h", "colour": "red"}, "unknown option(s) colour"),
])
def test_bad_settings_are_one_line_errors(options, message):
    with pytest.raises(LLMConfigError) as info:
        settings_from(options, {})
    assert message in str(info.value)
    assert isinstance(info.value, ExtractorError)


def test_credentials_in_the_url_are_never_shown():
    with pytest.raises(LLMConfigError) as info:
        settings_from({"model": "m", "base_url": "ftp://user:secret@host/v1"}, {})
    assert "secret" not in str(info.value) and "ftp://host/v1" in str(info.value)


def test_custom_prompts_replace_the_packaged_ones(stub, doc_004, tmp_path):
    (tmp_path / "system.txt").write_text("Answer in JSON.", encoding="utf-8")
    (tmp_path / "numbers.txt").write_text('Numbers, as {"numbers": [...]}:\n$document',
                                          encoding="utf-8")
    stub.answer = by_layer()
    with extractor(stub, layers="numbers", prompts=str(tmp_path)) as ex:
        ex(doc_004)
    system, user = stub.requests[0][1]["messages"]
    assert system["content"] == "Answer in JSON."
    assert user["content"].startswith('Numbers, as {"numbers": [...]}:\nIS group retakes')
    (tmp_path / "numbers.txt").write_text("$documents", encoding="utf-8")
    with pytest.raises(LLMConfigError, match=re.escape(
            "prompt numbers.txt: unknown or malformed placeholder 'documents'")):
        extractor(stub, layers="numbers", prompts=str(tmp_path))


def test_retry_after_header_forms():
    assert retry_after("3") == 3.0
    assert retry_after("0.25") == 0.25
    assert retry_after("-5") == 0.0
    assert retry_after("100000") == 120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


# --- the gold, read back through the alignment ----------------------------------------------

def _gold_items(text: str, gold: dict, layer: str) -> list[dict]:
    """What a perfect model would answer: the gold's strings and labels, no offsets, each
    with a context snippet of 25 characters either side (it may reach into furniture)."""
    mentions = {m["id"]: m for m in gold["entities"]}

    def context(span: dict) -> str:
        return text[max(0, span["start"] - 25):span["end"] + 25]

    out: list[dict] = []
    for x in gold[layer]:
        if layer == "entities":
            out.append({"text": x["text"], "type": x["type"], "level": x["level"],
                        "context": context(x)})
        elif layer == "numbers":
            out.append({**{k: x.get(k) for k in ("text", "kind", "value", "low", "high",
                                                  "qualifier", "unit", "timex")},
                        "context": context(x)})
        elif layer == "events":
            arguments = [{"role": a["role"],
                          "text": (mentions[a["mention"]] if "mention" in a else a)["text"]}
                         for a in x.get("arguments", [])]
            out.append({"trigger": x["trigger"]["text"], "type": x["type"],
                        "realis": x["realis"], "arguments": arguments,
                        "context": context(x["trigger"])})
        else:
            out.append({"source": x["source"]["text"] if "source" in x else None,
                        "implicit_source": x.get("implicit_source"),
                        "cue": [s["text"] for s in x["cue"]],
                        "content": [s["text"] for s in x["content"]], "type": x.get("type"),
                        "context": context(x["cue"][0])})
    return out


class GoldClient:
    """Answers every request with the gold of the document and layer it names."""

    def __init__(self, corpus: dict[str, Document], gold: dict[str, dict]) -> None:
        self.corpus, self.gold = corpus, gold

    def complete(self, messages: list[dict], where: str) -> str:
        doc_id, layer = where.split(": ")
        return json.dumps({layer: _gold_items(self.corpus[doc_id].text, self.gold[doc_id],
                                              layer)})


def _spans(items: list[dict], *keys: str) -> set[tuple]:
    return {tuple((x[k]["start"], x[k]["end"]) if isinstance(x.get(k), dict)
                  else x.get(k) for k in keys) for x in items}


def test_gold_strings_with_context_align_to_the_gold_offsets():
    from palmyra.corpus import load_corpus
    from palmyra.extractors.llm import LLMExtractor
    from palmyra.paths import annotations_dir

    corpus = load_corpus()
    gold = {d: json.loads((annotations_dir() / f"{d}.json").read_text(encoding="utf-8"))
            for d in corpus}
    settings = settings_from({"model": "gold", "base_url": "http://127.0.0.1:9/v1"}, {})
    with LLMExtractor(settings, client=GoldClient(corpus, gold)) as ex:
        predictions = {p.doc_id: p.to_dict() for p in ex.extract_all(corpus.values())}
    assert ex.issues == []
    for doc_id, g in gold.items():
        p = predictions[doc_id]
        assert _spans(p["entities"], "start", "end", "type") == \
            _spans(g["entities"], "start", "end", "type")
        assert _spans(p["numbers"], "start", "end", "kind", "value", "low") == \
            _spans(g["numbers"], "start", "end", "kind", "value", "low")
        mentions = {m["id"]: m for m in g["entities"]}
        gold_args = {(e["trigger"]["start"], a["role"],
                      (mentions[a["mention"]] if "mention" in a else a)["start"])
                     for e in g["events"] for a in e.get("arguments", [])}
        assert {(e["trigger"]["start"], a["role"], a["start"]) for e in p["events"]
                for a in e.get("arguments", [])} == gold_args
        assert _spans(p["events"], "trigger", "type") == _spans(g["events"], "trigger", "type")

        def triples(items: list[dict]) -> set[tuple]:
            return {(x.get("source", {}).get("start"), tuple(c["start"] for c in x["cue"]),
                     tuple((c["start"], c["end"]) for c in x["content"])) for x in items}

        assert triples(p["attributions"]) == triples(g["attributions"])
        assert validate_document(p) == []
