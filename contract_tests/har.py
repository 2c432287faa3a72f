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
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

SCRUBBED = "[scrubbed]"
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
    token_kind: str | None  # "user", "server" or "none" where the recorder knew it
    user_agent: str = ""
    started: str = ""  # the entry's startedDateTime (ISO 8601), "" where it has none

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
        url = urlsplit(request["url"])
        headers = {name.lower(): value for name, value in _pairs(request.get("headers"))}
        kind = entry.get(TOKEN_KIND_FIELD)
        recorded.append(
            Recorded(
                index=index,
                method=str(request.get("method", "GET")).upper(),
                host=url.netloc,
                path=quote(url.path or "/", safe=_AS_RECORDED),
                query=quote(url.query, safe=_AS_RECORDED),
                sent_token=TOKEN_HEADER in headers,
                token_kind=kind if kind in ("user", "server", "none") else None,
                user_agent=headers.get("user-agent", ""),
                started=str(entry.get("startedDateTime", "")),
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
    found: Counter[str] = Counter()
    for entry in document["log"]["entries"]:
        for part in (entry.get("request") or {}, entry.get("response") or {}):
            for name, value in _pairs(part.get("headers")):
                if name.lower() in SECRET_HEADERS and value != SCRUBBED:
                    found[f"{name.lower()} headers"] += 1
            found["cookies"] += sum(
                1 for cookie in part.get("cookies") or [] if cookie.get("value") != SCRUBBED
            )
        post = (entry.get("request") or {}).get("postData") or {}
        if post.get("text", "") not in ("", SCRUBBED) or any(
            value != SCRUBBED for _, value in _pairs(post.get("params"))
        ):
            found["request bodies"] += 1
    return +found


def scrubbed(document: dict[str, Any]) -> dict[str, Any]:
    """A copy without secrets: credential headers, cookies, request bodies and answers' bodies
    (which may hold personal data) replaced by a placeholder; everything else as it was."""
    clean = copy.deepcopy(document)
    for entry in clean["log"]["entries"]:
        for part in (entry.get("request") or {}, entry.get("response") or {}):
            for header in part.get("headers") or []:
                if str(header.get("name", "")).lower() in SECRET_HEADERS:
                    header["value"] = SCRUBBED
            for cookie in part.get("cookies") or []:
                cookie["value"] = SCRUBBED
        post = (entry.get("request") or {}).get("postData")
        if isinstance(post, dict):
            post["text"] = SCRUBBED if post.get("text") else ""
            for param in post.get("params") or []:
                param["value"] = SCRUBBED
        content = (entry.get("response") or {}).get("content")
        if isinstance(content, dict) and content.get("text"):
            content["text"] = SCRUBBED
    return clean


def _pairs(items: Any) -> list[tuple[str, str]]:
    """HAR's name/value lists, tolerating what a hand-edited file may hold."""
    return [
        (str(item.get("name", "")), str(item.get("value", "")))
        for item in items or []
        if isinstance(item, dict)
    ]
