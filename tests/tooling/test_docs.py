"""The pages (README.md and docs/) as a reader uses them: links that lead somewhere, commands that run.

Every shell block of the pages is accounted for: run here as written, against a mock on a
free port instead of :8009 (the mock's journal must then hold what it sent); or run by the
test named for it, which holds the same command; or it needs what no test has (a real
Tidepool environment and its credentials, your own service's build), said in a word. A
new block that is none of these fails here until it is.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests

from mockserver.config import MockConfig
from mockserver.running import running_mock

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCK = re.compile(r"```(?:sh|bash|shell)\n(.*?)```", re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")

# Blocks run here, by a piece of each.
RUN_HERE = {"server login": "/auth/serverlogin", "event": "/metrics/thisuser/blip"}
# Blocks another test runs: a piece of the block -> (that test, a piece of the command it runs).
ELSEWHERE = {
    "make mock    # serve the mock": ("tests/tooling/test_make.py", '"mock"'),
    'make mock ARGS="--latency': ("tests/mock/test_cli.py", "--fail-rate"),
    '--upstream qa2"   # metrics kept': ("tests/mock/test_upstream.py", "--upstream"),
    "--upstream qa2 --forward-metrics": ("tests/mock/test_upstream.py", "--forward-metrics"),
    "pip wheel --no-deps": ("tests/tooling/test_distribution.py", '"wheel"'),
    "the mock alone": ("tests/tooling/test_distribution.py", "pip"),
    "python3.11 -m venv /tmp/contract": ("tests/tooling/test_distribution.py", '"--gate"'),
    "tidepool-metrics-mock --port 8009": ("tests/tooling/test_distribution.py", "__mock/status"),
    "contract_tests.parity --target": ("tests/suite/test_parity.py", "--target"),
    "tidepool-scrub-har": ("tests/suite/test_har_secrets.py", "scrub"),
    "contract_tests.spec_change spec/metrics.v1.yaml": (
        "tests/suite/test_spec_change.py",
        "spec_change",
    ),
    ".venv/bin/st run": ("tests/suite/test_st_cli.py", '"run"'),
    "tidepool-metrics-plan learn": ("tests/tracking_plan/test_plan_command.py", "learn"),
    "tidepool-metrics-plan check": ("tests/tracking_plan/test_plan_command.py", "check"),
    "curl -X PUT http://127.0.0.1:8009/__mock/faults": (
        "tests/mock/test_runtime_faults.py",
        "/__mock/faults",
    ),
}
# Blocks no test can run, and what they need.
NEEDS = {
    "make contract ENV=qa2": "a Tidepool environment and its credentials",
    "make contract ENV=qa1": "Tidepool environments, or a service on :9191 (the suite against the mock is part of make test)",
    "--gate --env qa2 --known-drifts shipped": "a Tidepool environment and its credentials",
}


def shell_blocks() -> list[tuple[str, str]]:
    return [
        (page.relative_to(ROOT).as_posix(), block)
        for page in PAGES
        for block in SHELL_BLOCK.findall(page.read_text(encoding="utf-8"))
    ]


def accounted(block: str) -> list[str]:
    return [key for key in (*RUN_HERE.values(), *ELSEWHERE, *NEEDS) if key in block]


@pytest.mark.parametrize(("page", "block"), shell_blocks(), ids=lambda value: value[:40])
def test_every_command_is_run_or_says_why_not(page: str, block: str) -> None:
    assert len(accounted(block)) == 1, f"{page}: account for this block in test_docs.py:\n{block}"


@pytest.mark.parametrize(("piece", "where"), ELSEWHERE.items(), ids=list(ELSEWHERE))
def test_the_test_named_for_a_command_runs_it(piece: str, where: tuple[str, str]) -> None:
    test, command = where
    assert command in (ROOT / test).read_text(encoding="utf-8")
    assert any(piece in block for _, block in shell_blocks()), f"no page shows {piece!r}"


def snippet(containing: str) -> str:
    (block,) = [block for _, block in shell_blocks() if containing in block]
    return block


@pytest.fixture(scope="module")
def mock_url():
    with running_mock(MockConfig()) as mock:
        yield mock.url


def run(script: str, url: str) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace("http://127.0.0.1:8009", url)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_server_login_snippet_gets_a_server_token(mock_url):
    answer = run(snippet(RUN_HERE["server login"]), mock_url)

    assert answer.startswith("HTTP/1.1 200")
    assert re.search(r"^x-tidepool-session-token: \S+", answer, re.IGNORECASE | re.MULTILINE)


def test_the_event_snippet_records_the_event(mock_url):
    answer = run(snippet(RUN_HERE["event"]), mock_url)

    assert answer.startswith("HTTP/1.1 200")
    events = requests.get(f"{mock_url}/__mock/events", timeout=10).json()["events"]
    assert [e["eventName"] for e in events][-1:] == ["blip - Viewed Care Team List"]
    assert events[-1]["query"] == {"source": ["care-team"]}


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


LINKS = [
    (page, target)
    for page in PAGES
    for target in LINK.findall(page.read_text(encoding="utf-8"))
    if not re.match(r"[a-z]+:", target)
]


@pytest.mark.parametrize(("page", "target"), LINKS, ids=[f"{p.name}->{t}" for p, t in LINKS])
def test_every_link_between_the_pages_resolves(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    assert linked.exists(), f"{page.name}: {target} leads nowhere"
    if anchor:
        assert anchor in anchors(linked), f"{page.name}: {target}: no such heading"


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A section\n", encoding="utf-8")
    assert anchors(page) == {"title", "a-section"}
    with pytest.raises(AssertionError, match="leads nowhere"):
        test_every_link_between_the_pages_resolves(page, "missing.md")
    with pytest.raises(AssertionError, match="no such heading"):
        test_every_link_between_the_pages_resolves(page, "page.md#another-section")
