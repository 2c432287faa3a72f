"""The spec-change report, for a terminal and as Markdown for a pull request comment.

Both are rendered from one outline (`outline`): a verdict line, then sections of items,
each an item's words and, where it has one, an example request from real traffic (already
stripped of what identifies a person, traffic.shown). Markdown escapes everything that
came from traffic or a spec, so a client's name cannot turn into a link or a heading.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contract_tests.spec_change import Judged, Seen

# Characters Markdown gives a meaning to, outside code.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Item:
    words: str
    example: str | None = None


@dataclass(frozen=True)
class Outline:
    title: str
    verdict: str
    sections: tuple[tuple[str, tuple[Item, ...]], ...]


def outline(judged: Judged) -> Outline:
    seen = judged.seen
    files = Counter(one.source for one in seen)
    title = (
        f"Spec change from {judged.old.name} to {judged.new.name}, judged by {len(seen)} recorded "
        "Metrics API requests (" + ", ".join(f"{n} in {f}" for f, n in files.items()) + ")"
    )
    breaking = _by_client([one for one in seen if one.breaks], lambda one: one.new.refused)
    accepted = _by_client([one for one in seen if one.newly_accepted], lambda one: "now accepted")
    all_clients = Counter(one.client for one in seen)
    untouched = sorted(set(all_clients) - set(breaking))
    sections = [
        ("Breaking for these clients", _client_items(breaking, all_clients)),
        ("Newly accepted", _client_items(accepted, all_clients)),
        ("Not affected", tuple(Item(f"{c}: {_requests(all_clients[c])}") for c in untouched)),
        ("Structural changes", tuple(_change_item(change, n) for change, n in judged.changes)),
    ]
    if breaking:
        names = ", ".join(sorted(breaking))
        verdict = f"BREAKING for {len(breaking)} of {len(all_clients)} clients: {names} (exit 1)"
    else:
        verdict = f"no recorded request breaks, of {len(all_clients)} clients (exit 0)"
    return Outline(title, verdict, tuple((h, items) for h, items in sections if items))


def _by_client(seen: list[Seen], reason) -> dict[str, dict[str, list[Seen]]]:
    """client -> reason -> the requests, in the order recorded."""
    grouped: dict[str, dict[str, list[Seen]]] = defaultdict(lambda: defaultdict(list))
    for one in seen:
        grouped[one.client][reason(one)].append(one)
    return grouped


def _client_items(grouped: dict[str, dict[str, list[Seen]]], totals: Counter[str]) -> tuple:
    items = []
    for client in sorted(grouped):
        for reason, requests in grouped[client].items():
            words = f"{client}: {_requests(len(requests))} of {totals[client]}: {reason}"
            items.append(Item(words, requests[0].example))
    return tuple(items)


def _change_item(change, touched: int) -> Item:
    if touched:
        seen = f"{_requests(touched)} recorded touch{'es' if touched == 1 else ''} it"
    else:
        seen = "unobserved: no recorded request touches it"
    kind = "breaking" if change.breaking else "not breaking"
    return Item(f"{change.route}: {change.what} ({kind} by its shape; {seen})")


def _requests(count: int) -> str:
    return f"{count} request{'' if count == 1 else 's'}"


def text(judged: Judged) -> str:
    shape = outline(judged)
    lines = [shape.title]
    for heading, items in shape.sections:
        lines.append(f"{heading}:")
        for item in items:
            lines.append(f"  - {_plain(item.words)}")
            if item.example:
                lines.append(f"      e.g. {_plain(item.example)}")
    lines.append(f"Verdict: {shape.verdict}")
    return "\n".join(lines)


def markdown(judged: Judged) -> str:
    shape = outline(judged)
    lines = [f"## {_escaped(shape.title)}", "", f"**Verdict:** {_escaped(shape.verdict)}"]
    for heading, items in shape.sections:
        lines += ["", f"### {heading}", ""]
        for item in items:
            example = f"<br>e.g. {_code(item.example)}" if item.example else ""
            lines.append(f"- {_escaped(item.words)}{example}")
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return CONTROL.sub(" ", text)


def _escaped(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", _plain(text))


def _code(text: str) -> str:
    """A code span that no backtick in `text` can close early."""
    text = _plain(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"
