"""`python -m contract_tests.parity --target NAME=URL ...`: every environment side by side.

QA tests qa1, then qa2, and finds by reading two reports whether one has a fix or a
regression the other lacks. This sends the same cases to every target, the auth matrix
and the named edges (test_auth_matrix.py, named_edges.py), and prints one table of
the cases the targets answered differently, each target's status in its column.

Each target is paced on its own (as the suite paces one); production is refused. Its
credentials come from `TIDEPOOL_<NAME>_SESSION_TOKEN`, `..._SERVER_TOKEN`, `..._USERNAME`,
`..._PASSWORD`, `..._SERVER_NAME`, `..._SERVER_SECRET` (the name upper-cased, `-` as
`_`), else from a login at that target with the common TIDEPOOL_USERNAME and
TIDEPOOL_PASSWORD (TIDEPOOL_SERVER_NAME and TIDEPOOL_SERVER_SECRET): a token is only ever
sent to the target it came from, so the common token variables are not read. A case that
needs a kind of token some target lacks is left out, and said so.

    0  every target answered every case alike
    1  they differ (the table)
    4  cannot compare: fewer than two targets, one named twice, production, a target
       unreachable or its credentials refused
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from contract_tests.credentials import Credential, CredentialProblem, check_credentials
from contract_tests.environments import EVENT_NAME_PARAM, BadTarget, Target, choose_target
from contract_tests.named_edges import EXAMPLE_QUERY, PATH_VALUES, QUERIES
from contract_tests.pacing import PacedSession
from contract_tests.redaction import Redactor
from contract_tests.rules import accepted_credentials
from contract_tests.spec import SpecProblem, environments, operations
from contract_tests.suite import Suite, Unreachable, probe
from contract_tests.summary import RunSummary, SuiteSkip

ALIKE, DIFFER, NOT_COMPARED = 0, 1, 4
TIMEOUT_S = 30.0
EVENT_PREFIX = "contract-tests - "
# The variables of a target's own credentials, after TIDEPOOL_<NAME>_; the login ones may
# fall back to the common TIDEPOOL_<VARIABLE>, the tokens never.
OWN = ("SESSION_TOKEN", "SERVER_TOKEN", "USERNAME", "PASSWORD", "SERVER_NAME", "SERVER_SECRET")
COMMON_LOGINS = ("USERNAME", "PASSWORD", "SERVER_NAME", "SERVER_SECRET")


class NotCompared(Exception):
    """The targets cannot be compared; the message is one line."""


@dataclass(frozen=True)
class Case:
    id: str
    operation: object
    credential: Credential
    values: dict[str, str]
    query: list[tuple[str, str]] | None = None


def cases() -> list[Case]:
    """The auth matrix, then the named edges, as the suite sends them."""
    planned = [
        Case(
            f"{op.operation_id} {credential}",
            op,
            credential,
            {**op.examples, EVENT_NAME_PARAM: f"auth matrix - {credential}"},
        )
        for op in operations()
        for credential in Credential
    ]
    for op in operations():
        for credential in accepted_credentials(op):
            planned += [
                Case(
                    f"{op.operation_id} {credential}, {edge} in the path",
                    op,
                    credential,
                    dict.fromkeys(op.path_params, value),
                    EXAMPLE_QUERY,
                )
                for edge, value in PATH_VALUES.items()
            ]
            planned += [
                Case(
                    f"{op.operation_id} {credential}, {edge} in the query",
                    op,
                    credential,
                    dict(op.examples),
                    query,
                )
                for edge, query in QUERIES.items()
            ]
    return planned


def credentials_of(name: str, environ=os.environ) -> dict[str, str]:
    """The suite's credential variables for target `name`, from its own or the common logins."""
    own = f"TIDEPOOL_{name.upper().replace('-', '_')}_"
    found = {}
    for variable in OWN:
        value = environ.get(own + variable)
        if value is None and variable in COMMON_LOGINS:
            value = environ.get(f"TIDEPOOL_{variable}")
        if value:
            found[f"TIDEPOOL_{variable}"] = value
    return found


def targets(named: list[str]) -> list[Target]:
    """`NAME=URL` or a server name of the spec, checked: two at least, none twice, no production."""
    known = environments()
    chosen = []
    for text in named:
        name, _, url = text.partition("=")
        if not url and name not in known:
            raise NotCompared(
                f"--target {text}: not NAME=URL, nor a server of the spec ({', '.join(known)})"
            )
        try:
            target = choose_target(None, url or known[name], known)
        except BadTarget as error:
            raise NotCompared(f"--target {name}: {error}") from None
        chosen.append(Target(name, target.base_url, target.spec_production))
    names = [target.name for target in chosen]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise NotCompared(f"target {twice[0]} is named twice; each target once")
    if len(chosen) < 2:
        raise NotCompared(
            "parity compares two targets at least; give --target NAME=URL twice or more"
        )
    production = [target for target in chosen if target.is_production]
    if production:
        raise NotCompared(
            f"refusing to compare production ({production[0].name}): nothing was sent"
        )
    return chosen


def answers(target: Target, planned: list[Case], redactor: Redactor, max_rps) -> dict[str, str]:
    """Each case's status at `target` (or the error's name); a case it lacks a token for: ""."""
    http = PacedSession(target.max_rps(max_rps), timeout_s=TIMEOUT_S)
    with http:
        try:
            is_mock = probe(http, target.base_url)
            tokens = check_credentials(
                http,
                target.base_url,
                is_mock=is_mock,
                strict=False,
                redactor=redactor,
                environ=credentials_of(target.name),
            )
        except (Unreachable, CredentialProblem) as error:
            raise NotCompared(f"{target.name}: {error}") from None
        summary = RunSummary(target.name, "", "", "")
        suite = Suite(
            base_url=target.base_url,
            http=http,
            tokens=tokens,
            is_mock=is_mock,
            redactor=redactor,
            event_prefix=EVENT_PREFIX,
            budget_s=TIMEOUT_S,
            summary=summary,
        )
        got = {}
        for case in planned:
            try:
                sent = suite.send(case.operation, case.credential, case.values, case.query)
                got[case.id] = str(sent.response.status_code)
            except SuiteSkip:
                got[case.id] = ""
            except requests.RequestException as error:
                got[case.id] = type(error).__name__
        return got


def table(names: list[str], rows: list[tuple[str, list[str]]]) -> str:
    widths = [max(len(x) for x in [name, *(r[1][i] for r in rows)]) for i, name in enumerate(names)]
    case_width = max([len("case"), *(len(r[0]) for r in rows)])
    lines = [
        "  ".join(
            ["case".ljust(case_width), *(n.ljust(w) for n, w in zip(names, widths, strict=True))]
        )
    ]
    for case, statuses in rows:
        cells = [s.ljust(w) for s, w in zip(statuses, widths, strict=True)]
        lines.append("  ".join([case.ljust(case_width), *cells]).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tests.parity",
        description="Send the auth matrix and the named edges to every target; print where "
        "they answer differently. Exit 0 alike, 1 differ, 4 cannot compare.",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="a target: NAME=URL, or a server name of the spec (repeat)",
    )
    parser.add_argument("--max-rps", type=float, help="requests per second at most, per target")
    args = parser.parse_args(argv)
    redactor = Redactor()
    try:
        chosen = targets(args.target)
        planned = cases()
        with ThreadPoolExecutor(len(chosen)) as pool:
            futures = [pool.submit(answers, t, planned, redactor, args.max_rps) for t in chosen]
            got = [future.result() for future in futures]
    except (NotCompared, SpecProblem) as problem:
        print(f"parity: cannot compare: {redactor.redact(str(problem))}", file=sys.stderr)
        return NOT_COMPARED
    names = [target.name for target in chosen]
    lacking = [c.id for c in planned if any(g[c.id] == "" for g in got)]
    rows = [(c.id, [g[c.id] for g in got]) for c in planned if c.id not in lacking]
    differing = [row for row in rows if len(set(row[1])) > 1]
    if lacking:
        print(f"left out: {len(lacking)} cases need a kind of token some target lacks")
    if not differing:
        print(f"{', '.join(names)}: all {len(rows)} cases answered alike")
        return ALIKE
    print(redactor.redact(table(names, differing)))
    print(f"{len(differing)} of {len(rows)} cases answered differently")
    return DIFFER


if __name__ == "__main__":
    sys.exit(main())
