"""Proof that the mock is driven by the spec: change the document, not the code."""

import copy

import requests
import yaml

from mockserver.config import DEFAULT_SPEC_PATH

TOKEN = "X-Tidepool-Session-Token"
DEVICE_OPERATION = {
    "parameters": [
        {"name": "deviceId", "in": "path", "required": True, "schema": {"type": "string"}},
        {"$ref": "#/components/parameters/eventName"},
    ],
    "get": {
        "operationId": "RecordMetricsEventForDevice",
        "summary": "Record an event for a device",
        "security": [{"userToken": []}],
        "responses": {
            "200": {"$ref": "#/components/responses/Recorded"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "503": {"description": "Not ready"},
        },
    },
}


def test_an_added_operation_is_served_and_a_removed_one_is_gone(start_cli_mock, tmp_path):
    document = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    changed = copy.deepcopy(document)
    changed["paths"]["/metrics/device/{deviceId}/{eventName}"] = DEVICE_OPERATION
    del changed["paths"]["/metrics/server/{serverName}/{eventName}"]
    spec = tmp_path / "changed.yaml"
    spec.write_text(yaml.safe_dump(changed), encoding="utf-8")

    with start_cli_mock("--spec", str(spec)) as mock, requests.Session() as http:
        device = f"{mock.url}/metrics/device/pump%2F7/Bolus%20given?units=2"
        assert http.get(device).status_code == 401  # the new operation requires a user token
        token = http.post(mock.url + "/auth/login", auth=("alice", "pw")).headers[TOKEN]
        assert http.get(device, headers={TOKEN: token}).status_code == 200
        assert http.get(device, headers={TOKEN: token, "Prefer": "code=503"}).status_code == 503
        server_token = http.post(
            mock.url + "/auth/serverlogin",
            headers={
                "X-Tidepool-Server-Name": "w",
                "X-Tidepool-Server-Secret": "mock-server-secret",
            },
        ).headers[TOKEN]
        assert (
            http.get(f"{mock.url}/metrics/server/w/e", headers={TOKEN: server_token}).status_code
            == 404
        )
        assert http.get(f"{mock.url}/metrics/thisuser/e", headers={TOKEN: token}).status_code == 200
        (event, _) = http.get(mock.url + "/__mock/events").json()["events"]
        status = http.get(mock.url + "/__mock/status").json()
    assert event["operationId"] == "RecordMetricsEventForDevice"
    assert (event["eventName"], event["query"], event["serverName"]) == (
        "Bolus given",
        {"units": ["2"]},
        None,
    )
    assert status["spec"]["path"] == str(spec)
