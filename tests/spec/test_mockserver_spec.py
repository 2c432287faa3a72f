"""spec/mockserver.v1.yaml, the mock's own API: valid, complete, and what the mock answers."""

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import ignored_auth
from werkzeug.routing import Rule

from mockserver.auth import DEFAULT_SERVER_SECRET
from mockserver.inprocess import running_mock
from mockserver.routes import MOCK_RULES

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "mockserver.v1.yaml"
DOCUMENT = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
schema = schemathesis.openapi.from_path(SPEC_PATH)


def test_the_document_is_valid_openapi():
    validate(DOCUMENT)


def _openapi_path(rule: Rule) -> str:
    path = rule.rule.replace("<path:filename>", "{file}")
    return path.rstrip("/") or "/"


def test_every_route_of_the_mock_is_documented_and_nothing_else():
    routed = {
        (_openapi_path(rule), method.lower())
        for rule in MOCK_RULES
        for method in rule.methods - {"HEAD"}
    }
    documented = {
        (path, method)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert routed == documented


def test_the_default_server_secret_is_the_documented_one():
    parameters = DOCUMENT["paths"]["/auth/serverlogin"]["post"]["parameters"]
    assert {p["name"]: p["example"] for p in parameters}[
        "X-Tidepool-Server-Secret"
    ] == DEFAULT_SERVER_SECRET


@pytest.fixture(scope="module")
def mock_url():
    with running_mock() as mock:
        yield mock.url


@schema.parametrize()
@settings(max_examples=25)
def test_the_mock_answers_as_its_spec_says(case, mock_url):
    # ignored_auth expects made-up Basic credentials to be refused; by default, and as
    # documented, any username and password log in.
    case.call_and_validate(base_url=mock_url, excluded_checks=[ignored_auth])
