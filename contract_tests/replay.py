"""`--replay FILE.har`: what consumers really sent, as cases of the run, judged like every other.

Each recorded request to a Metrics API path becomes one case (test_replay.py): its path
and query exactly as recorded (repeated names, empty values, the consumer's encoding, no
event-name prefix), re-based onto the target, the recorded host ignored, and sent with the
run's own credential of the kind the recorded request used: no token if it sent none;
otherwise the kind the mock recorded where its HAR says so, else the one kind the
operation accepts, or a user token where it accepts both (a browser holds a user's
session). A recorded token is never sent: not its header, and not a credential-named
query value (credential_names.py), which is dropped from the query, with one line saying how many. Entries for other paths (log-ins, profiles,
other services) are counted and skipped; a recorded request that the spec itself does not
accept is a case that reports why on a line of its own and fails nothing. Against a mock,
each case also finds its event in the journal exactly as recorded (`ReplayCase.as_sent`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from contract_tests import har
from contract_tests.credentials import Credential
from contract_tests.environments import EVENT_NAME_PARAM
from contract_tests.journal import AsSent, in_order
from contract_tests.rules import accepts
from contract_tests.spec import PATH_TEMPLATE_VARIABLE, Operation


@dataclass(frozen=True)
class ReplayCase:
    recorded: har.Recorded
    operation: Operation | None
    credential: Credential
    # Why the spec does not accept the recorded request, or None when it does.
    outside: str | None = None

    @property
    def name(self) -> str:
        return f"entry {self.recorded.index}: {self.recorded.method} {self.recorded.target}"

    def as_sent(self, operation: Operation) -> AsSent:
        """What a mock's journal must show of this request: the event name percent-decoded
        (`+` is a plus in a path), the query as a form decodes it (`+` is a space), and the
        target as recorded."""
        name = self.path_values(operation)[EVENT_NAME_PARAM]
        query = parse_qsl(self.recorded.query, keep_blank_values=True)
        return AsSent(unquote(name), in_order(query), self.recorded.target)

    def path_values(self, operation: Operation) -> dict[str, str]:
        """Each path parameter of `operation` as recorded, percent-encoded as sent."""
        parts = zip(operation.path_template.split("/"), self.recorded.path.split("/"), strict=True)
        return {
            match[1]: segment
            for part, segment in parts
            if (match := PATH_TEMPLATE_VARIABLE.fullmatch(part))
        }


@dataclass(frozen=True)
class Replay:
    path: Path
    cases: tuple[ReplayCase, ...]
    entries: int
    hosts: Counter[str]
    secrets: Counter[str]

    def line(self) -> str:
        """What was replayed out of the file, in one line."""
        outside = sum(1 for case in self.cases if case.outside)
        hosts = ", ".join(f"{host or 'no host'} ({n})" for host, n in self.hosts.most_common())
        return (
            f"{self.path.name}: {len(self.cases) - outside} metrics requests replayed, "
            f"{outside} outside the contract, {self.entries - len(self.cases)} other entries "
            f"skipped (log-ins, other paths); recorded from {hosts or 'nowhere'}"
        )

    def notes(self) -> list[str]:
        """What the summary says of the replay: what was replayed, and what was not sent."""
        return [
            f"Replayed {self.line()}",
            *filter(None, [self.dropped_line(), self.secrets_line()]),
        ]

    def dropped_line(self) -> str | None:
        dropped = sum(case.recorded.dropped_credentials for case in self.cases)
        if not dropped:
            return None
        return (
            f"{self.path.name}: {dropped} credential-named query values (token, access_token, "
            "...) left out of the replayed requests: a recorded credential is never sent"
        )

    def secrets_line(self) -> str | None:
        return secrets_line(self.path, self.secrets)


def secrets_line(path: Path, secrets: Counter[str]) -> str | None:
    """The one-line warning for a HAR file that still carries secrets (also spec_change.py)."""
    if not secrets:
        return None
    held = ", ".join(f"{n} {kind}" for kind, n in sorted(secrets.items()))
    return (
        f"{path.name} still carries secrets ({held}); none was sent, but scrub it "
        "(tidepool-scrub-har) before sharing or committing it"
    )


def plan(path: Path, operations: Iterable[Operation]) -> Replay:
    """The cases of `path`; HarProblem (one line) when it has nothing to replay."""
    document = har.load(path)
    recorded = har.read(path, document)
    operations = tuple(operations)
    prefixes = {operation.path_template.split("/")[1] for operation in operations}
    metrics = [
        r for r in recorded if r.path.split("/", 2)[1:2] and r.path.split("/")[1] in prefixes
    ]
    if not recorded:
        raise har.HarProblem(f"{path}: no entries: nothing to replay")
    if not metrics:
        raise har.HarProblem(
            f"{path}: {len(recorded)} entries, none of them a Metrics API request "
            f"(under /{', /'.join(sorted(prefixes))}): nothing to replay"
        )
    return Replay(
        path=path,
        cases=tuple(case_of(r, operations) for r in metrics),
        entries=len(recorded),
        hosts=Counter(r.host for r in metrics),
        secrets=har.secrets_in(document),
    )


def case_of(recorded: har.Recorded, operations: tuple[Operation, ...]) -> ReplayCase:
    """How the spec of `operations` reads one recorded request (also spec_change.py)."""
    shaped = [op for op in operations if _fits(recorded.path, op.path_template)]
    matched = [op for op in shaped if op.method == recorded.method]
    if not matched:
        why = (
            "matches no operation of the spec" if not shaped else "a method the spec has not there"
        )
        return ReplayCase(recorded, None, Credential.NONE, why)
    operation = matched[0]
    credential = _credential(recorded, operation)
    if any(not segment for segment in recorded.path.split("/")[1:]):
        return ReplayCase(recorded, operation, credential, "an empty name in the path")
    if not accepts(operation, credential):
        return ReplayCase(
            recorded, operation, credential, f"sent with {credential}, which the spec refuses there"
        )
    return ReplayCase(recorded, operation, credential)


def _fits(path: str, template: str) -> bool:
    segments, parts = path.split("/"), template.split("/")
    return len(segments) == len(parts) and all(
        PATH_TEMPLATE_VARIABLE.fullmatch(part) or part == segment
        for part, segment in zip(parts, segments, strict=True)
    )


def _credential(recorded: har.Recorded, operation: Operation) -> Credential:
    if recorded.credential is not None:
        return recorded.credential
    if not recorded.sent_token:
        return Credential.NONE
    return Credential.USER if operation.accepts_kind("user") else Credential.SERVER
