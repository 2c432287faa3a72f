"""Recorded traffic as seen events: a HAR file, or a running mock's journal or HAR export by URL.

`read(source)` takes what `learn` is given on its command line:
    FILE.har                                    a browser's or Playwright's HAR, or one the mock exported
    http://HOST:PORT/__mock/events[?FILTERS]    a running mock's journal, every page (its `next` links)
    http://HOST:PORT/__mock/events.har[?...]    the same as HAR, every page (`log._next`)

A HAR entry is an event when its method and path are those of a Metrics API operation in
the spec (spec/metrics.v1.yaml, read here for its paths only): a browser's HAR also holds
log-ins, profiles, preflights and other services, which are no events. The mock's journal
is bounded, so following its pages ends.
"""

from __future__ import annotations

import json
import string
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

import yaml

from tracking_plan.seen import Seen

EVENT_NAME, SERVER_NAME = "{eventName}", "{serverName}"
TIMEOUT_S = 30


class TrafficProblem(ValueError):
    """A source cannot be read as traffic; the message is one line naming it."""


# spec/metrics.v1.yaml, the one source of truth: the copy an installed package carries,
# else the checkout's (this package imports neither the mock's reader nor the suite's).
SPEC_PATH = next(
    path
    for path in (
        Path(__file__).resolve().parent / "metrics.v1.yaml",
        Path(__file__).resolve().parent.parent / "spec" / "metrics.v1.yaml",
    )
    if path.is_file()
)


@dataclass(frozen=True)
class EventPath:
    """A Metrics API operation's method and path template, split into segments."""

    method: str
    segments: tuple[str, ...]

    def seen(self, method: str, url: str, user_agent: str) -> Seen | None:
        parts = urlsplit(url)
        segments = parts.path.split("/")
        if method.upper() != self.method or len(segments) != len(self.segments):
            return None
        if any(
            part != segment and not part.startswith("{")
            for part, segment in zip(self.segments, segments, strict=True)
        ):
            return None
        named = dict(zip(self.segments, segments, strict=True))
        return Seen(
            name=unquote(named[EVENT_NAME]),
            # As sent: a HAR's URL may hold a character a browser would have encoded.
            sent_name=quote(named[EVENT_NAME], safe=string.punctuation),
            properties=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            server_name=unquote(named[SERVER_NAME]) if SERVER_NAME in named else None,
            user_agent=user_agent,
        )


def event_paths(spec: Path) -> tuple[EventPath, ...]:
    """The operations whose path names an event, from the spec's `paths`."""
    try:
        paths = yaml.safe_load(spec.read_text(encoding="utf-8"))["paths"]
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        raise TrafficProblem(f"{spec}: cannot read the spec's paths") from None
    return tuple(
        EventPath(method.upper(), tuple(template.split("/")))
        for template, item in paths.items()
        if EVENT_NAME in template.split("/")
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    )


def read(source: str, paths: tuple[EventPath, ...]) -> list[Seen]:
    if urlsplit(source).scheme in ("http", "https"):
        return _read_url(source, paths)
    path = Path(source)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TrafficProblem(f"{source}: cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TrafficProblem(f"{source}: not JSON, so not a HAR file") from None
    return from_har(document, paths, source)


def from_har(document: Any, paths: tuple[EventPath, ...], source: str) -> list[Seen]:
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise TrafficProblem(f"{source}: no `log.entries` list: not a HAR file")
    seen = []
    for index, entry in enumerate(entries, 1):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            raise TrafficProblem(f"{source}: entry {index} has no request URL")
        agent = next(
            (
                str(h.get("value", ""))
                for h in request.get("headers") or []
                if isinstance(h, dict) and str(h.get("name", "")).lower() == "user-agent"
            ),
            "",
        )
        method = str(request.get("method", "GET"))
        found = (p.seen(method, request["url"], agent) for p in paths)
        seen += [event for event in found if event is not None][:1]
    return seen


def _read_url(url: str, paths: tuple[EventPath, ...]) -> list[Seen]:
    """Every page of a mock's journal listing or HAR export, from `url` on."""
    seen: list[Seen] = []
    visited: set[str] = set()
    following: str | None = url
    while following and following not in visited:
        visited.add(following)
        page = _get_json(following)
        if isinstance(page, dict) and isinstance(page.get("events"), list):
            seen += [Seen.from_journal(event) for event in page["events"]]
            nxt = page.get("next")
        elif isinstance(page, dict) and isinstance(page.get("log"), dict):
            seen += from_har(page, paths, following)
            nxt = page["log"].get("_next")
        else:
            raise TrafficProblem(f"{following}: neither a mock's journal listing nor a HAR")
        following = urljoin(following, nxt) if nxt else None
    return seen


def _get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        raise TrafficProblem(f"{url}: answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TrafficProblem(f"{url}: cannot reach it ({reason})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TrafficProblem(f"{url}: the answer is not JSON") from None
