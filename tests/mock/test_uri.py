"""mockserver.uri: the raw request target, decoded strictly."""

import pytest

from mockserver.uri import MalformedTarget, decode_component, parse_query, raw_target


@pytest.mark.parametrize("key", ["RAW_URI", "REQUEST_URI"])
def test_the_raw_target_keeps_percent_escapes(key):
    environ = {key: "/metrics/user/a%2Fb/c?x=%20", "PATH_INFO": "/metrics/user/a/b/c"}
    assert raw_target(environ) == ("/metrics/user/a%2Fb/c", "x=%20")


def test_an_absolute_form_target_is_reduced_to_its_path():
    environ = {"RAW_URI": "http://127.0.0.1:8009/metrics/user/u/e?a=1"}
    assert raw_target(environ) == ("/metrics/user/u/e", "a=1")


def test_without_a_raw_target_the_path_is_re_encoded():
    environ = {"SCRIPT_NAME": "", "PATH_INFO": "/metrics/user/u/a b", "QUERY_STRING": "a=1"}
    assert raw_target(environ) == ("/metrics/user/u/a%20b", "a=1")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("blip%20-%20Viewed%20Care%20Team%20List", "blip - Viewed Care Team List"),
        ("a%2Fb", "a/b"),
        ("a+b", "a+b"),
        ("100%25", "100%"),
        ("caf%C3%A9", "café"),
        ("nul%00", "nul\x00"),
    ],
)
def test_a_component_is_percent_decoded_as_utf8(raw, text):
    assert decode_component(raw) == text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("%zz", "percent"),
        ("caf\xc3\xa9", "not percent-encoded"),  # raw UTF-8 bytes, as WSGI's latin-1 text
        ("\xff", "not percent-encoded"),
        ("%4", "percent"),
        ("end%", "percent"),
        ("%C3", "UTF-8"),
        ("%FF%FE", "UTF-8"),
        ("a\x00b", "control character"),
        ("tab\there", "control character"),
    ],
)
def test_a_malformed_component_is_refused(raw, reason):
    with pytest.raises(MalformedTarget, match=reason):
        decode_component(raw)


def test_query_keeps_order_repeats_and_blank_values():
    assert parse_query("a=1&b=&a=2&c&d+e=f+g&&h=%26%3D") == {
        "a": ["1", "2"],
        "b": [""],
        "c": [""],
        "d e": ["f g"],
        "h": ["&="],
    }


def test_an_empty_query_has_no_parameters():
    assert parse_query("") == {}


def test_a_malformed_query_is_refused():
    with pytest.raises(MalformedTarget):
        parse_query("ok=1&bad=%G0")
