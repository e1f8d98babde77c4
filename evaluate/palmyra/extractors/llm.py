"""A language model behind any OpenAI-compatible chat-completions endpoint as an extractor:
`palmyra evaluate --extractor llm --option model=NAME --option base_url=URL`.

For each document and layer, one request: a system prompt and the layer's prompt
(prompts/<layer>.txt, with the ontology's labels and the document's article text filled in)
ask for strict JSON: a list of items holding the strings found and their labels. The strings
are aligned to character offsets (palmyra.extractors.align); what cannot be used is dropped
and reported as an `Issue` (the extractor's `issues`, logged as warnings on stderr).

Options (`--option KEY=VALUE`); base_url, model and api_key fall back to the environment:
  base_url     the API root, e.g. https://api.openai.com/v1   (PALMYRA_LLM_BASE_URL)
  model        the model name                                (PALMYRA_LLM_MODEL)
  api_key      sent as "Authorization: Bearer KEY"           (PALMYRA_LLM_API_KEY, then
               OPENAI_API_KEY; none: no header, for local servers)
  layers       entities,events,numbers,attributions (default: all four)
  json_mode    1: ask for response_format json_object (default 0)
  strict       1: an unknown label or a malformed item is an error, not a dropped item
  timeout      seconds to wait for the server, per attempt (default 60)
  retries      further attempts after a 429, a 5xx, a timeout or a dropped connection
               (default 3), with exponential backoff and jitter, or the server's Retry-After
  backoff      first backoff delay in seconds (default 1; doubled per attempt)
  max_backoff  longest backoff delay in seconds (default 30)
  concurrency  requests in flight at most, across layers and documents (default 4)
  temperature  sampling temperature (default 0; "none" to leave it out)
  max_tokens   a cap on the response length (default: the server's)
  seed         passed to servers that support reproducible sampling
  zones        annotated (default: the model sees the article-text zones only) | all
  prompts      a folder of prompt files replacing the packaged ones (same file names)

The API key is never logged nor shown in a message.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import random
import re
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from importlib import resources
from pathlib import Path
from typing import Any

from palmyra.annotations import (
    AnnotationDocument,
    Argument,
    Attribution,
    Entity,
    Event,
    Number,
    Source,
    Span,
)
from palmyra.corpus import Document
from palmyra.extractors import REDACTED, ExtractorError
from palmyra.extractors.align import Aligner, Found, TextView
from palmyra.ontology import Ontology, load_ontology
from palmyra.tokenize import annotated_zone_types

LOG = logging.getLogger(__name__)
LAYERS = ("entities", "events", "numbers", "attributions")
OPTIONS = ("base_url", "model", "api_key", "layers", "json_mode", "strict", "timeout",
           "retries", "backoff", "max_backoff", "concurrency", "temperature", "max_tokens",
           "seed", "zones", "prompts")
ENVIRONMENT = {"base_url": ("PALMYRA_LLM_BASE_URL",), "model": ("PALMYRA_LLM_MODEL",),
               "api_key": ("PALMYRA_LLM_API_KEY", "OPENAI_API_KEY")}
MAX_RETRY_AFTER = 120.0  # seconds: a longer Retry-After is cut to this
ISSUE_KINDS = ("unaligned", "unknown-label", "bad-item", "duplicate")
_TIMEX = re.compile(r"([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?|P[0-9YMWD.]+|PT[0-9HMS.]+)")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)
_OUTCOME = re.compile(r"; [a-z ]*(?:dropped|ignored)$")


class LLMConfigError(ExtractorError):
    """The options cannot be used (one line; exit code 2)."""


class LLMError(RuntimeError):
    """A request or a response failed: one line naming the document and the layer."""


# --- settings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    layers: tuple[str, ...] = LAYERS
    json_mode: bool = False
    strict: bool = False
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    concurrency: int = 4
    temperature: float | None = 0.0
    max_tokens: int | None = None
    seed: int | None = None
    zones: str = "annotated"
    prompts: Path | None = None

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def _number(options: Mapping[str, str], key: str, kind: type, default: Any,
            minimum: float) -> Any:
    text = options.get(key)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < minimum:
        expected = "a whole number" if kind is int else "a number"
        raise LLMConfigError(f"llm: option {key}={text!r}: expected {expected} >= {minimum}")
    return value


def _flag(options: Mapping[str, str], key: str) -> bool:
    text = options.get(key, "0").strip().lower()
    if text not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
        raise LLMConfigError(f"llm: option {key}={options[key]!r}: expected 1 or 0")
    return text in ("1", "true", "yes", "on")


def _from_environment(options: Mapping[str, str], environ: Mapping[str, str],
                      key: str) -> str | None:
    if options.get(key):
        return options[key]
    return next((environ[name] for name in ENVIRONMENT[key] if environ.get(name)), None)


def _base_url(options: Mapping[str, str], environ: Mapping[str, str]) -> str:
    url = _from_environment(options, environ, "base_url")
    if not url:
        raise LLMConfigError("llm: no endpoint: give --option base_url=URL (e.g. "
                             "https://api.openai.com/v1) or set PALMYRA_LLM_BASE_URL")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LLMConfigError(f"llm: option base_url={safe_url(url)!r}: expected an http:// or "
                             "https:// URL")
    return url


def _layers(options: Mapping[str, str]) -> tuple[str, ...]:
    text = options.get("layers", ",".join(LAYERS))
    layers = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    if not layers or any(x not in LAYERS for x in layers):
        raise LLMConfigError(f"llm: option layers={text!r}: expected a comma-separated "
                             f"subset of {', '.join(LAYERS)}")
    return layers


def settings_from(options: Mapping[str, str],
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the options, falling back to the environment (module docstring)."""
    environ = os.environ if environ is None else environ
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise LLMConfigError(f"llm: unknown option(s) {', '.join(unknown)} "
                             f"(known: {', '.join(OPTIONS)})")
    model = _from_environment(options, environ, "model")
    if not model:
        raise LLMConfigError("llm: no model: give --option model=NAME or set "
                             "PALMYRA_LLM_MODEL")
    zones = options.get("zones", "annotated")
    if zones not in ("annotated", "all"):
        raise LLMConfigError(f"llm: option zones={zones!r}: expected annotated or all")
    temperature = options.get("temperature", "0")
    prompts = Path(options["prompts"]) if options.get("prompts") else None
    if prompts is not None and not prompts.is_dir():
        raise LLMConfigError(f"llm: option prompts={str(prompts)!r}: not a folder")
    return Settings(
        base_url=_base_url(options, environ), model=model,
        api_key=_from_environment(options, environ, "api_key"), layers=_layers(options),
        json_mode=_flag(options, "json_mode"), strict=_flag(options, "strict"),
        timeout=_number(options, "timeout", float, 60.0, 0.001),
        retries=_number(options, "retries", int, 3, 0),
        backoff=_number(options, "backoff", float, 1.0, 0),
        max_backoff=_number(options, "max_backoff", float, 30.0, 0),
        concurrency=_number(options, "concurrency", int, 4, 1),
        temperature=None if temperature.lower() == "none"
        else _number(options, "temperature", float, 0.0, 0),
        max_tokens=_number(options, "max_tokens", int, None, 1),
        seed=_number(options, "seed", int, None, 0), zones=zones, prompts=prompts)


def safe_url(url: str) -> str:
    """The URL without any user:password part (never shown)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    netloc += f":{parts.port}" if parts.port else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# --- prompts ----------------------------------------------------------------------------------

def prompt_template(name: str, directory: Path | None = None) -> string.Template:
    """prompts/<name>.txt from `directory`, else the packaged one."""
    if directory is not None:
        path = directory / f"{name}.txt"
        try:
            return string.Template(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise LLMConfigError(f"llm: prompt {path}: cannot read: {exc}") from None
    ref = resources.files("palmyra.extractors") / "prompts" / f"{name}.txt"
    return string.Template(ref.read_text(encoding="utf-8"))


def _lines(table: Mapping[str, Any], describe: Callable[[str, Any], str]) -> str:
    return "\n".join(f"- {describe(k, v)}" for k, v in table.items())


def label_lists(ontology: Ontology) -> dict[str, str]:
    """The ontology's labels and definitions, as the prompts' $placeholders."""
    raw = ontology.raw

    def defined(name: str, value: Any) -> str:
        return f"{name}: {value['definition']}"

    def event(name: str, value: Any) -> str:
        return f"{name} (roles: {', '.join(value['roles'])}): {value['definition']}"

    return {
        "entity_types": _lines(raw["entity_types"], defined),
        "mention_levels": _lines(raw["mention_levels"], defined),
        "event_types": _lines(raw["event_types"], event),
        "realis": _lines(raw["realis"], defined),
        "number_kinds": _lines(raw["number_kinds"], defined),
        "number_qualifiers": _lines(raw["number_qualifiers"], defined),
        "units": _lines(raw["units"], lambda k, v: f"{k}: {', '.join(v)}"),
        "attribution_types": _lines(raw["attribution_types"], defined),
        "implicit_sources": _lines(raw["implicit_sources"], defined),
    }


# --- HTTP -------------------------------------------------------------------------------------

class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class ChatClient:
    """POSTs chat-completion requests with urllib: timeouts, retries, a concurrency cap."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._sleep = sleep
        self._random = random.Random()

    def redact(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, REDACTED) if key else text

    def payload(self, messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        s = self.settings
        body: dict[str, Any] = {"model": s.model, "messages": list(messages)}
        optional = {"temperature": s.temperature, "max_tokens": s.max_tokens, "seed": s.seed}
        body |= {k: v for k, v in optional.items() if v is not None}
        if s.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def complete(self, messages: Sequence[Mapping[str, str]], where: str) -> str:
        """The content of the first choice; LLMError (naming `where`) when none comes."""
        data = json.dumps(self.payload(messages)).encode("utf-8")
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                with self._slots:  # released while backing off
                    raw = self._post(data, where)
                return self._content(raw, where)
            except _Retryable as exc:
                if attempt + 1 == attempts:
                    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
                    raise LLMError(self.redact(f"{where}: {exc} ({tries})")) from None
                delay = self._delay(attempt, exc.retry_after)
                LOG.warning("%s", self.redact(f"{where}: {exc}; retry {attempt + 1} of "
                                              f"{attempts - 1} in {delay:.2f} s"))
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, server: float | None) -> float:
        if server is not None:
            return server
        cap = min(self.settings.max_backoff, self.settings.backoff * 2 ** attempt)
        return cap * self._random.uniform(0.5, 1.0)  # jitter: spread retries of many threads

    def _post(self, data: bytes, where: str) -> bytes:
        s = self.settings
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if s.api_key:
            headers["Authorization"] = f"Bearer {s.api_key}"
        request = urllib.request.Request(s.endpoint, data=data, headers=headers, method="POST")
        url = safe_url(s.endpoint)
        try:
            with urllib.request.urlopen(request, timeout=s.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = _excerpt(exc.read() if exc.fp else b"")
            message = f"HTTP {exc.code} from {url}" + (f": {detail}" if detail else "")
            if exc.code == 429 or exc.code >= 500:
                raise _Retryable(message, retry_after(exc.headers.get("Retry-After"))) from None
            raise LLMError(self.redact(f"{where}: {message}")) from None
        except TimeoutError:
            raise _Retryable(f"no answer from {url} within {s.timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Retryable(f"no answer from {url} within {s.timeout:g} s") from None
            raise _Retryable(f"cannot reach {url}: {exc.reason}") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise _Retryable(f"connection to {url} failed: {type(exc).__name__}") from None

    def _content(self, raw: bytes, where: str) -> str:
        try:
            body = json.loads(raw)
            choice = body["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(self.redact(
                f"{where}: the endpoint's answer is not a chat completion (expected "
                f"choices[0].message.content): {_excerpt(raw)}")) from None
        if not isinstance(content, str):
            raise LLMError(f"{where}: the model returned no text (content is "
                           f"{type(content).__name__})")
        if choice.get("finish_reason") == "length":
            LOG.warning("%s: the answer was cut at max_tokens (finish_reason: length)", where)
        return content


def _excerpt(raw: bytes, limit: int = 200) -> str:
    text = " ".join(raw.decode("utf-8", "replace").split())
    return text if len(text) <= limit else text[:limit] + "..."


# --- parsing the answers ----------------------------------------------------------------------

def parse_items(content: str, layer: str) -> list[Any]:
    """The list of items of an answer: {"<layer>": [...]} or a bare list (a Markdown code
    fence around it is tolerated). ValueError says what is wrong."""
    text = content.strip()
    fenced = _FENCE.fullmatch(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not JSON ({exc.msg} at line {exc.lineno} column "
                         f"{exc.colno}); it begins {_excerpt(text.encode(), 80)!r}") from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get(layer), list):
        return data[layer]
    found = (f"an object with keys {', '.join(map(repr, data))}" if isinstance(data, dict)
             else f"a JSON {type(data).__name__}")
    raise ValueError(f'wrong shape: expected {{"{layer}": [...]}} or a list, found {found}')


@dataclass(frozen=True)
class Issue:
    """Something in a model's answer that could not be used; `kind` in ISSUE_KINDS."""

    doc_id: str
    layer: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.layer}: {self.message}"


class _Skip(Exception):
    """Drop the current item (the issue is already recorded)."""


class _Reader:
    """Turns the items of one layer's answer into annotations, recording issues."""

    def __init__(self, doc: Document, view: TextView, layer: str, ontology: Ontology,
                 strict: bool, scope: str = "document") -> None:
        self.doc, self.view, self.layer, self.scope = doc, view, layer, scope
        self.aligner = Aligner(view.text)
        self.ontology = ontology
        self.strict = strict
        self.issues: list[Issue] = []
        self.used: set[Found] = set()

    def issue(self, kind: str, path: str, message: str) -> None:
        """Record an issue; `message` ends with what is done about it ("; item dropped"),
        which strict mode leaves out, since it stops instead."""
        if self.strict and kind in ("unknown-label", "bad-item"):
            what = _OUTCOME.sub("", message)
            raise LLMError(f"{self.doc.doc_id}: {self.layer}: {path}: {what}")
        self.issues.append(Issue(self.doc.doc_id, self.layer, kind, f"{path}: {message}"))

    def string(self, item: Mapping[str, Any], key: str, path: str) -> str:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            self.issue("bad-item", f"{path}.{key}", f"expected a non-empty string, found "
                       f"{_show(value)}; item dropped")
            raise _Skip
        return value

    def label(self, item: Mapping[str, Any], key: str, allowed: Sequence[str], path: str,
              required: bool, what: str) -> str | None:
        """A label of `allowed`; an unknown required label drops the item, an unknown
        optional one only the field."""
        value = item.get(key)
        if value is None and not required:
            return None
        if value in allowed:
            return str(value)
        dropped = "item dropped" if required else "field dropped"
        self.issue("unknown-label", f"{path}.{key}", f"unknown {what} {_show(value)} "
                   f"(expected {', '.join(allowed)}); {dropped}")
        if required:
            raise _Skip
        return None

    def where(self, item: Mapping[str, Any], path: str) -> tuple[int | None, str | None]:
        """The item's `occurrence` and `context`, when usable."""
        occurrence, context = item.get("occurrence"), item.get("context")
        if occurrence is not None and (isinstance(occurrence, bool)
                                       or not isinstance(occurrence, int) or occurrence < 1):
            self.issue("bad-item", f"{path}.occurrence", f"expected a whole number >= 1, "
                       f"found {_show(occurrence)}; ignored")
            occurrence = None
        if context is not None and not isinstance(context, str):
            self.issue("bad-item", f"{path}.context", f"expected a string, found "
                       f"{_show(context)}; ignored")
            context = None
        return occurrence, context

    def span(self, needle: str, path: str, *, occurrence: int | None = None,
             context: str | None = None, near: int | None = None,
             claim: bool = False) -> Span | None:
        """The document span of `needle` in the view, or None (reported as unaligned)."""
        found = self.aligner.locate(needle, occurrence=occurrence, context=context, near=near,
                                    used=self.used)
        mapped = self.view.to_document(*found) if found else None
        if found is None or mapped is None:
            self.issue("unaligned", path, f"{needle!r} does not occur in the {self.scope}"
                       if found is None else f"{needle!r} spans two zones")
            return None
        if claim:
            self.used.add(found)
        start, end = mapped
        return Span(start, end, self.doc.text[start:end])

    def view_start(self, span: Span) -> int:
        """The view offset of a document span (the anchor for nearby strings)."""
        for view_start, doc_start, length in self.view.pieces:
            if doc_start <= span.start < doc_start + length:
                return view_start + span.start - doc_start
        return 0

    def items(self, items: list[Any], build: Callable[[Mapping[str, Any], str], Any]
              ) -> list[Any]:
        out = []
        for index, item in enumerate(items):
            path = f"$.{self.layer}[{index}]"
            if not isinstance(item, dict):
                self.issue("bad-item", path, f"expected an object, found {_show(item)}; "
                           "item dropped")
                continue
            try:
                out.append(build(item, path))
            except _Skip:
                continue
        return out

    def unique(self, built: list[Any], key: Callable[[Any], Any]) -> tuple[Any, ...]:
        """The items without repeats (same span and label), in text order."""
        seen: set[Any] = set()
        out = []
        for x in built:
            k = key(x)
            if k in seen:
                self.issue("duplicate", f"$.{self.layer}", f"{_describe(x)} listed twice; "
                           "repeat dropped")
                continue
            seen.add(k)
            out.append(x)
        return tuple(sorted(out, key=_start))


def _show(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not None else "nothing"
    return text if len(text) <= limit else text[:limit] + "..."


def _first_span(x: Any) -> Span:
    if isinstance(x, Event):
        return x.trigger
    if isinstance(x, Attribution):
        return x.cue[0]
    return x.span


def _start(x: Any) -> tuple[int, int]:
    span = _first_span(x)
    return span.start, span.end


def _describe(x: Any) -> str:
    span = _first_span(x)
    return f"{span.text!r} at {span.start}"


# --- the four layers --------------------------------------------------------------------------

def _read_entities(r: _Reader, items: list[Any]) -> tuple[Entity, ...]:
    ontology = r.ontology

    def build(item: Mapping[str, Any], path: str) -> Entity:
        text = r.string(item, "text", path)
        etype = r.label(item, "type", ontology.entity_types, path, True, "entity type")
        level = r.label(item, "level", list(ontology.raw["mention_levels"]), path, False,
                        "mention level")
        occurrence, context = r.where(item, path)
        span = r.span(text, f"{path}.text", occurrence=occurrence, context=context,
                      claim=True)
        if span is None:
            raise _Skip
        return Entity(span, str(etype), level=level)

    return r.unique(r.items(items, build), lambda e: (e.span, e.type))


def _argument(r: _Reader, item: Any, path: str, event_type: str, near: int
              ) -> Argument | None:
    if not isinstance(item, dict):
        r.issue("bad-item", path, f"expected an object, found {_show(item)}; argument dropped")
        return None
    try:
        role = r.label(item, "role", r.ontology.roles(event_type), path, True,
                       f"role for {event_type}")
        text = r.string(item, "text", path)
    except _Skip:
        return None
    occurrence, context = r.where(item, path)
    span = r.span(text, f"{path}.text", occurrence=occurrence, context=context, near=near)
    return Argument(str(role), span=span) if span else None


def _read_events(r: _Reader, items: list[Any]) -> tuple[Event, ...]:
    ontology = r.ontology

    def build(item: Mapping[str, Any], path: str) -> Event:
        trigger = r.string(item, "trigger", path)
        etype = str(r.label(item, "type", ontology.event_types, path, True, "event type"))
        realis = r.label(item, "realis", list(ontology.raw["realis"]), path, False, "realis")
        occurrence, context = r.where(item, path)
        span = r.span(trigger, f"{path}.trigger", occurrence=occurrence, context=context,
                      claim=True)
        if span is None:
            raise _Skip
        raw = item.get("arguments") or []
        if not isinstance(raw, list):
            r.issue("bad-item", f"{path}.arguments", f"expected a list, found {_show(raw)}; "
                    "arguments dropped")
            raw = []
        near = r.view_start(span)
        found = [_argument(r, a, f"{path}.arguments[{i}]", etype, near)
                 for i, a in enumerate(raw)]
        arguments = tuple(dict.fromkeys(a for a in found if a is not None))
        return Event(span, etype, realis=realis, arguments=arguments)

    return r.unique(r.items(items, build), lambda e: (e.trigger, e.type))


def _bound(r: _Reader, item: Mapping[str, Any], key: str, path: str) -> float | None:
    value = item.get(key)
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    r.issue("bad-item", f"{path}.{key}", f"expected a number or null, found {_show(value)}; "
            "field dropped")
    return None


def _read_numbers(r: _Reader, items: list[Any]) -> tuple[Number, ...]:
    raw = r.ontology.raw

    def build(item: Mapping[str, Any], path: str) -> Number:
        text = r.string(item, "text", path)
        kind = str(r.label(item, "kind", list(raw["number_kinds"]), path, True,
                           "number kind"))
        qualifier = r.label(item, "qualifier", list(raw["number_qualifiers"]), path, False,
                            "qualifier")
        unit = r.label(item, "unit", r.ontology.units, path, False, "unit")
        fields = {k: _bound(r, item, k, path) for k in ("value", "low", "high")}
        nulls = frozenset(k for k in fields if k in item and item[k] is None)
        timex = item.get("timex")
        if timex is not None and not (isinstance(timex, str) and _TIMEX.fullmatch(timex)):
            r.issue("bad-item", f"{path}.timex", f"expected a TIMEX3 value such as 2016-04, "
                    f"P9M or PT2H, found {_show(timex)}; field dropped")
            timex = None
        increment = item.get("increment")
        increment = True if increment is True else None  # false is the default: left out
        occurrence, context = r.where(item, path)
        span = r.span(text, f"{path}.text", occurrence=occurrence, context=context,
                      claim=True)
        if span is None:
            raise _Skip
        return Number(span, kind, timex=timex, qualifier=qualifier, increment=increment,
                      unit=unit, explicit_nulls=nulls, **fields)

    return r.unique(r.items(items, build), lambda n: (n.span, n.kind))


def _strings(r: _Reader, item: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = item.get(key)
    values = [value] if isinstance(value, str) else value
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, str) and v.strip() for v in values)):
        r.issue("bad-item", f"{path}.{key}", f"expected a string or a list of strings, found "
                f"{_show(value)}; item dropped")
        raise _Skip
    return values


def _spans_near(r: _Reader, needles: list[str], path: str, near: int) -> tuple[Span, ...]:
    spans = (r.span(n, f"{path}[{i}]", near=near) for i, n in enumerate(needles))
    return tuple(dict.fromkeys(s for s in spans if s is not None))


def _source(r: _Reader, item: Mapping[str, Any], path: str, near: int
            ) -> tuple[Source | None, str | None]:
    implicit = r.label(item, "implicit_source", list(r.ontology.raw["implicit_sources"]),
                       path, False, "implicit source")
    text = item.get("source")
    if text is None:
        return None, implicit
    if not isinstance(text, str) or not text.strip():
        r.issue("bad-item", f"{path}.source", f"expected a string or null, found "
                f"{_show(text)}; source dropped")
        return None, implicit
    span = r.span(text, f"{path}.source", near=near)
    if span is None:
        return None, implicit
    if implicit is not None:
        r.issue("bad-item", f"{path}.implicit_source", "given together with a source; "
                "implicit source dropped")
    return Source(span), None


def _read_attributions(r: _Reader, items: list[Any]) -> tuple[Attribution, ...]:
    raw = r.ontology.raw

    def build(item: Mapping[str, Any], path: str) -> Attribution:
        cues = _strings(r, item, "cue", path)
        contents = _strings(r, item, "content", path)
        kind = r.label(item, "type", list(raw["attribution_types"]), path, False,
                       "attribution type")
        hedged = item.get("hedged")
        occurrence, context = r.where(item, path)
        first = r.span(cues[0], f"{path}.cue[0]", occurrence=occurrence, context=context,
                       claim=True)
        if first is None:
            raise _Skip
        near = r.view_start(first)
        cue = tuple(dict.fromkeys((first, *_spans_near(r, cues[1:], f"{path}.cue", near))))
        content = _spans_near(r, contents, f"{path}.content", near)
        if not content:
            raise _Skip  # every content string was reported as unaligned
        source, implicit = _source(r, item, path, near)
        return Attribution(tuple(sorted(cue, key=lambda s: s.start)), content, source=source,
                           implicit_source=implicit, type=kind,
                           hedged=hedged if isinstance(hedged, bool) else None)

    return r.unique(r.items(items, build), lambda a: (a.cue, a.content))


READERS: dict[str, Callable[[_Reader, list[Any]], tuple]] = {
    "entities": _read_entities, "events": _read_events, "numbers": _read_numbers,
    "attributions": _read_attributions}


# --- the extractor ----------------------------------------------------------------------------

class LLMExtractor:
    """Calls the model once per document and layer (concurrently, at most `concurrency`
    requests in flight) and returns the aligned annotations."""

    def __init__(self, settings: Settings, client: ChatClient | None = None,
                 ontology: Ontology | None = None) -> None:
        self.settings = settings
        self.client = client or ChatClient(settings)
        self.ontology = ontology or load_ontology()
        self.name = f"llm:{settings.model}"
        self.issues: list[Issue] = []
        self._labels = label_lists(self.ontology)
        self._templates = {name: prompt_template(name, settings.prompts)
                           for name in ("system", *settings.layers)}
        self._check_templates()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _check_templates(self) -> None:
        """A placeholder the prompts do not know is an error now, not after a request."""
        for name, template in self._templates.items():
            try:
                template.substitute(self._labels, document="")
            except (KeyError, ValueError) as exc:
                raise LLMConfigError(f"llm: prompt {name}.txt: unknown or malformed "
                                     f"placeholder {exc} (known: document, "
                                     f"{', '.join(self._labels)}; write $$ for $)") from None

    def messages(self, layer: str, view: TextView) -> list[dict[str, str]]:
        fill = {**self._labels, "document": view.text}
        return [{"role": "system", "content": self._templates["system"].substitute(fill)},
                {"role": "user", "content": self._templates[layer].substitute(fill)}]

    def view(self, doc: Document) -> TextView:
        zones = annotated_zone_types(doc) if self.settings.zones == "annotated" else None
        return TextView.of(doc, zones)

    def counts(self) -> Counter[str]:
        """How many issues of each kind so far."""
        with self._lock:
            return Counter(i.kind for i in self.issues)

    def __call__(self, doc: Document) -> AnnotationDocument:
        return self.extract_all([doc])[0]

    def extract_all(self, docs: Iterable[Document]) -> list[AnnotationDocument]:
        """Every document, with the requests of all of them sharing the concurrency cap."""
        docs = list(docs)
        pool = self._executor()
        futures: list[list[Future]] = [
            [pool.submit(self._layer, doc, view, layer) for layer in self.settings.layers]
            for doc in docs for view in [self.view(doc)]]
        try:
            return [self._document(doc, [f.result() for f in row])
                    for doc, row in zip(docs, futures, strict=True)]
        finally:
            for row in futures:
                for f in row:
                    f.cancel()  # after an error: do not send what has not started

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.settings.concurrency,
                                                thread_name_prefix="palmyra-llm")
            return self._pool

    def _layer(self, doc: Document, view: TextView, layer: str) -> tuple[tuple, list[Issue]]:
        where = f"{doc.doc_id}: {layer}"
        content = self.client.complete(self.messages(layer, view), where)
        try:
            items = parse_items(content, layer)
        except ValueError as exc:
            raise LLMError(f"{where}: {exc}") from None
        scope = "document" if len(view.pieces) == 1 and view.text == doc.text else \
            "article text"
        reader = _Reader(doc, view, layer, self.ontology, self.settings.strict, scope)
        return READERS[layer](reader, items), reader.issues

    def _document(self, doc: Document, results: list[tuple[tuple, list[Issue]]]
                  ) -> AnnotationDocument:
        layers: dict[str, tuple] = {}
        issues: list[Issue] = []
        for layer, (found, layer_issues) in zip(self.settings.layers, results, strict=True):
            layers[layer] = found
            issues += layer_issues
        for issue in issues:
            LOG.warning("%s", issue)
        with self._lock:
            self.issues += issues
        counts = Counter(i.kind for i in issues)
        notes = ("llm issues: " + ", ".join(f"{k} {counts[k]}" for k in ISSUE_KINDS
                                            if counts[k])) if issues else None
        return AnnotationDocument(doc.doc_id, "prediction", annotator=self.name, notes=notes,
                                  **layers)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> LLMExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make(options: dict[str, str]) -> LLMExtractor:
    """The extractor for `llm` with `--option KEY=VALUE` options (module docstring)."""
    return LLMExtractor(settings_from(options))


__all__ = ["ENVIRONMENT", "ISSUE_KINDS", "LAYERS", "OPTIONS", "ChatClient", "Issue",
           "LLMConfigError", "LLMError", "LLMExtractor", "Settings", "label_lists", "make",
           "parse_items", "prompt_template", "retry_after", "safe_url", "settings_from"]
