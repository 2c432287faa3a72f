"""HAR files of recorded Metrics API traffic, written for the spec-change and parity tests.

Each entry is what a browser's "Save all as HAR" keeps of one request: method, URL,
headers (a token where one was sent), and when it was sent. Nothing here is read back by
the code under test except through the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from contract_tests.spec import SPEC_PATH

HOST = "https://qa2.development.tidepool.org"
RECORDED_ON = "2026-11-20T10:00:00.000Z"
# A token a browser recorded; it must never appear in any report.
RECORDED_TOKEN = "recorded-session-token-5e1f"


def entry(path: str, token: bool = False, user_agent: str = "", started: str = RECORDED_ON):
    headers = [{"name": "User-Agent", "value": user_agent}] if user_agent else []
    if token:
        headers.append({"name": "X-Tidepool-Session-Token", "value": RECORDED_TOKEN})
    return {
        "startedDateTime": started,
        "request": {"method": "GET", "url": HOST + path, "headers": headers},
        "response": {"status": 200, "headers": []},
    }


def write_har(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), "utf-8")
    return path


def changed_spec(directory: Path, name: str, change) -> Path:
    """This project's spec, changed by `change(document)`, written to `directory/name`."""
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    change(document)
    path = directory / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def published(document: dict) -> None:
    """Tidepool's published spec (TidepoolApi, reference/metrics.v1.yaml): the token is
    required on RecordMetricsEventForNamedUser, without the `{}` alternative."""
    document["paths"]["/metrics/user/{userId}/{eventName}"]["get"]["security"] = [{"anyToken": []}]


def names_up_to_100(document: dict) -> None:
    document["components"]["parameters"]["eventName"]["schema"]["maxLength"] = 100


def described(document: dict) -> None:
    document["components"]["parameters"]["eventName"]["description"] += " Keep it short."
    document["paths"]["/metrics/thisuser/{eventName}"]["get"]["summary"] = "Record, for you"
