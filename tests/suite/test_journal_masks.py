"""The suite's journal checks against a mock that masks credential-named query values:
the mask stands for the value sent, and every other value must still match exactly."""

from contract_tests.journal import MASK, AsSent

SENT = AsSent(
    "Viewed Page",
    {"source": ["blip"], "access_token": ["t0k3n"]},
    "/metrics/thisuser/Viewed%20Page?source=blip&access_token=t0k3n",
)


def shown(source: str, token: str) -> dict:
    return {
        "eventName": "Viewed Page",
        "query": {"source": [source], "access_token": [token]},
        "target": f"/metrics/thisuser/Viewed%20Page?source={source}&access_token={token}",
    }


def test_a_masked_credential_is_taken_as_recorded():
    assert SENT.problems(shown("blip", MASK)) == []
    assert SENT.problems(shown("blip", "t0k3n")) == []


def test_any_other_value_shown_otherwise_is_still_a_problem():
    assert len(SENT.problems(shown("uploader", MASK))) == 2
    assert len(SENT.problems(shown("blip", "other"))) == 2
