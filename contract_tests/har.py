"""HAR 1.2 files, as browsers' developer tools, Playwright's `recordHar` and the mock save them.

What consumers really send is in such a file: `--replay` reads the requests out of it
(`read`), and since a HAR saved by a browser carries session tokens, cookies,
`Authorization` headers and login bodies, `secrets_in` says which ones it still holds and
`scrubbed` returns a copy without them (the `tidepool-scrub-har` command, scrub.py), so a
team can commit one. Scrubbing keeps a header's name with a placeholder value: replay
still knows a token was sent, and never what it was.

Pure data, no HTTP: the suite sends nothing recorded but the request target.
"""

from __future__ import annotations

import copy
import json
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from contract_tests.credential_names import (
    PLACEHOLDERS,
    is_credential_name,
    masked_query,
    without_credentials,
)
from contract_tests.credentials import Credential

SCRUBBED = "[scrubbed]"
# The placeholder where a URL keeps it: percent-encoded, so that the URL stays one.
MASKED_IN_URL = quote(SCRUBBED, safe="")
# Chromium's field for the frames of a WebSocket connection.
WEBSOCKET_MESSAGES = "_webSocketMessages"
# Headers that carry credentials, in requests and answers (lower case).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-tidepool-session-token",
        "x-tidepool-server-secret",
    }
)
TOKEN_HEADER = "x-tidepool-session-token"
# The kind of credential the mock saw, in the entries of its own HAR (a HAR custom field).
TOKEN_KIND_FIELD = "_tokenKind"
# Printable ASCII stays as recorded (`%XX` included); anything else is percent-encoded.
_AS_RECORDED = string.punctuation
# A method as HTTP spells one (a token); anything else in a HAR is refused, not printed.
METHOD = re.compile(r"[A-Z][A-Z-]{0,19}")


class HarProblem(Exception):
    """The file cannot be read as a HAR; the message is one line."""


@dataclass(frozen=True)
class Recorded:
    """One recorded request, as much of it as replay needs."""

    index: int  # its place among the file's entries, from 1
    method: str
    host: str
    path: str  # as recorded, percent-encoded
    query: str  # the raw query string, as recorded ("" for none)
    sent_token: bool
    credential: Credential | None  # by its key, where the recorder knew it (the mock's do)
    user_agent: str = ""
    started: str = ""  # the entry's startedDateTime (ISO 8601), "" where it has none
    # Credential-named query items recorded and left out of `query`: never sent.
    dropped_credentials: int = 0

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


def load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HarProblem(f"{path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise HarProblem(f"{path}: not UTF-8 text, so not a HAR file") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise HarProblem(
            f"{path}: not JSON ({error.msg} at line {error.lineno}): truncated, or not a HAR file"
        ) from None
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise HarProblem(f"{path}: no `log.entries` list: not a HAR file")
    return document


def read(path: Path, document: dict[str, Any]) -> list[Recorded]:
    """Every entry's request; an entry without a usable request is one line naming it."""
    recorded = []
    for index, entry in enumerate(document["log"]["entries"], 1):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            raise HarProblem(f"{path}: entry {index} has no request URL")
        try:
            url = urlsplit(request["url"])
        except ValueError:
            raise HarProblem(f"{path}: entry {index}: its request URL is malformed") from None
        method = str(request.get("method", "GET")).upper()
        if not METHOD.fullmatch(method):
            raise HarProblem(f"{path}: entry {index}: its method is not an HTTP method")
        headers = {name.lower(): value for name, value in _pairs(request.get("headers"))}
        query, dropped = without_credentials(quote(url.query, safe=_AS_RECORDED))
        recorded.append(
            Recorded(
                index=index,
                method=method,
                host=url.netloc.rpartition("@")[2],  # never a recorded user or password
                path=quote(url.path or "/", safe=_AS_RECORDED),
                query=query,
                sent_token=TOKEN_HEADER in headers,
                credential=Credential.by_key(entry.get(TOKEN_KIND_FIELD)),
                user_agent=headers.get("user-agent", ""),
                started=str(entry.get("startedDateTime", "")),
                dropped_credentials=dropped,
            )
        )
    return recorded


def secret_values(document: dict[str, Any]) -> set[str]:
    """The secrets themselves (credential headers' and cookies' values), for a redactor."""
    found = set()
    for entry in document["log"]["entries"]:
        for part in (entry.get("request") or {}, entry.get("response") or {}):
            found |= {v for n, v in _pairs(part.get("headers")) if n.lower() in SECRET_HEADERS}
            found |= {v for _, v in _pairs(part.get("cookies"))}
    return found - {SCRUBBED, ""}


def secrets_in(document: dict[str, Any]) -> Counter[str]:
    """What secrets the file still holds: kind -> how many."""
    return _scrub(copy.deepcopy(document))


def scrubbed(document: dict[str, Any]) -> dict[str, Any]:
    """A copy without secrets: credential headers, cookies, request bodies, answers' bodies
    (which may hold personal data) and WebSocket messages replaced by a placeholder, and
    credential-named query values masked wherever a URL is kept (the request's URL and
    `queryString`, every header's value, such as `:path`, `Referer` and `Location`, the
    `redirectURL`, page titles); everything else as it was."""
    clean = copy.deepcopy(document)
    _scrub(clean)
    return clean


def _scrub(document: dict[str, Any]) -> Counter[str]:
    """Scrub `document` in place; what was removed, kind -> how many."""
    found: Counter[str] = Counter()
    for page in _list(_dict(document.get("log")).get("pages")):
        if isinstance(page, dict) and isinstance(page.get("title"), str):
            page["title"] = _masked_url(page["title"], found)
    for entry in _list(document["log"]["entries"]):
        entry = _dict(entry)
        request, response = _dict(entry.get("request")), _dict(entry.get("response"))
        for part in (request, response):
            for header in _list(part.get("headers")):
                if not isinstance(header, dict):
                    continue
                value = str(header.get("value", ""))
                if str(header.get("name", "")).lower() in SECRET_HEADERS:
                    found[f"{str(header.get('name')).lower()} headers"] += value != SCRUBBED
                    header["value"] = SCRUBBED
                else:
                    header["value"] = _masked_url(value, found)
            for cookie in _list(part.get("cookies")):
                if isinstance(cookie, dict):
                    found["cookies"] += cookie.get("value") != SCRUBBED
                    cookie["value"] = SCRUBBED
        if isinstance(request.get("url"), str):
            request["url"] = _masked_url(request["url"], found)
        for item in _list(request.get("queryString")):
            if isinstance(item, dict) and is_credential_name(str(item.get("name", ""))):
                found["credential-named query values"] += item.get("value") not in PLACEHOLDERS
                item["value"] = SCRUBBED
        if isinstance(response.get("redirectURL"), str):
            response["redirectURL"] = _masked_url(response["redirectURL"], found)
        post = request.get("postData")
        if isinstance(post, dict):
            found["request bodies"] += post.get("text", "") not in ("", SCRUBBED) or any(
                value != SCRUBBED for _, value in _pairs(post.get("params"))
            )
            post["text"] = SCRUBBED if post.get("text") else ""
            for param in _list(post.get("params")):
                if isinstance(param, dict):
                    param["value"] = SCRUBBED
        content = response.get("content")
        if isinstance(content, dict) and content.get("text"):
            content["text"] = SCRUBBED
        for message in _list(entry.get(WEBSOCKET_MESSAGES)):
            if isinstance(message, dict) and message.get("data") not in (None, "", SCRUBBED):
                found["WebSocket messages"] += 1
                message["data"] = SCRUBBED
    return +found


def _masked_url(text: str, found: Counter[str]) -> str:
    """A URL, a path or any text with a query: its credential-named values masked."""
    head, mark, query = text.partition("?")
    if not mark:
        return text
    query, fragment_mark, fragment = query.partition("#")
    masked, count = masked_query(query, MASKED_IN_URL)
    found["credential-named query values"] += count
    return head + mark + masked + fragment_mark + fragment


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _pairs(items: Any) -> list[tuple[str, str]]:
    """HAR's name/value lists, tolerating what a hand-edited file may hold."""
    return [
        (str(item.get("name", "")), str(item.get("value", "")))
        for item in items or []
        if isinstance(item, dict)
    ]
