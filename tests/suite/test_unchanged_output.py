"""What a run reports stays what it was: a holding, a broken and a not-verified run, compared whole.

Each run is `python -m contract_tests` in a subprocess, against the stand-in of Tidepool's
service with its two known drifts (holding), the same with one new break (broken), and
nothing listening (not verified). Its terminal summary, Markdown summary and JUnit report
are compared with the copies kept in tests/suite/unchanged_output/, once what varies from
run to run (the port, durations, paths of this checkout) is replaced by a placeholder.
A change of any report then shows here as a diff; when it is meant, record the copies
again with `python tests/suite/test_unchanged_output.py` and commit them with the change.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
from broken_servers import HIGHWATER, HIGHWATER_AND_NEW, REFERENCE_TOKENS, create_app, serving

ROOT = Path(__file__).resolve().parents[2]
KEPT = Path(__file__).resolve().parent / "unchanged_output"
RUNS = ("holding", "broken", "not_verified")
# The day the known drifts are judged on, so that their `until` never changes the result.
AS_OF = "2026-12-01"
# Nothing listens here: a port below 1024 that no test server binds.
NOWHERE = "http://127.0.0.1:9"


def _server(run: str) -> AbstractContextManager[str]:
    if run == "not_verified":
        return nullcontext(NOWHERE)
    return serving(create_app(HIGHWATER if run == "holding" else HIGHWATER_AND_NEW))


def reports(run: str, directory: Path) -> dict[str, str]:
    """The run's three reports, each with what varies between runs replaced."""
    markdown, junit = directory / f"{run}.md", directory / f"{run}.xml"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TIDEPOOL_") and name not in ("PYTEST_BASE_URL", "PYTEST_ADDOPTS")
    }
    environment.update(REFERENCE_TOKENS, PYTHONPATH=str(ROOT))
    with _server(run) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "contract_tests", "-p", "no:cacheprovider"]
            + [f"--base-url={base_url}", "--hypothesis-profile=quick", "--max-response-time=60"]
            + ["--known-drifts=shipped", f"--known-drifts-as-of={AS_OF}"]
            + [f"--summary-file={markdown}", f"--junitxml={junit}"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
    lines = done.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if "contract summary" in line]
    assert starts, done.stdout + done.stderr
    terminal = "\n".join([f"exit {done.returncode}", *lines[starts[0] :]])
    return {
        "txt": _steady(terminal),
        "md": _steady(markdown.read_text(encoding="utf-8")),
        "xml": _steady(_junit(junit)),
    }


def _junit(path: Path) -> str:
    """Each test case as one line: its name, outcome, message and properties (no timings)."""
    lines = []
    for case in ET.parse(path).getroot().iter("testcase"):
        lines.append(f"{case.get('classname')}::{case.get('name')}")
        for child in case:
            if child.tag == "properties":
                lines += [f"  {p.get('name')}: {p.get('value')}" for p in child]
            elif child.tag in ("failure", "error", "skipped"):
                lines.append(f"  {child.tag}: {child.get('message')}")
    return "\n".join(lines)


def _steady(text: str) -> str:
    for pattern, placeholder in (
        (re.escape(str(ROOT)), "<ROOT>"),
        (re.escape(sys.executable), "<PYTHON>"),
        (r"127\\?\.0\\?\.0\\?\.1(\\?:)\d+", r"127.0.0.1\1<PORT>"),
        (r"Duration(\W+)[\d\\.]+ s", r"Duration\1<N> s"),
    ):
        text = re.sub(pattern, placeholder, text)
    return text + "\n"


@pytest.mark.parametrize("run", RUNS)
def test_a_run_reports_as_it_did(run: str, tmp_path: Path) -> None:
    for kind, text in reports(run, tmp_path).items():
        kept = (KEPT / f"{run}.{kind}").read_text(encoding="utf-8")
        assert text == kept, f"{run}.{kind} changed"


if __name__ == "__main__":
    import tempfile

    KEPT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in RUNS:
            for suffix, content in reports(name, Path(scratch)).items():
                (KEPT / f"{name}.{suffix}").write_text(content, encoding="utf-8")
