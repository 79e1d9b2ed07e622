"""The generic request validator, against a real spec operation."""

from __future__ import annotations

import pytest

from resetkit.errors import MAX_MESSAGE_CHARS, ApiError, Kind, clip
from resetkit.openapi.spec import load_spec
from resetkit.openapi.validation import RawRequest, response_problems, validate_request

SEND = load_spec("placewise").operations["sendResetPasswordMessage"]


def raw(body: bytes, content_type: str | None = "application/json", slug: str | None = "infinity-mall") -> RawRequest:
    headers = {"x-loyalty-club-slug": slug} if slug else {}
    return RawRequest({}, {}, headers, content_type, body)


def kind_of(request: RawRequest) -> Kind:
    with pytest.raises(ApiError) as caught:
        validate_request(SEND, request)
    return caught.value.kind


def test_a_valid_request_is_parsed() -> None:
    valid = validate_request(SEND, raw(b'{"identifier": "ana@example.com"}'))
    assert valid.body == {"identifier": "ana@example.com"}
    assert valid.headers["x-loyalty-club-slug"] == "infinity-mall"


def test_malformed_json_is_malformed() -> None:
    assert kind_of(raw(b'{"identifier": ')) is Kind.MALFORMED


def test_invalid_utf8_is_malformed() -> None:
    assert kind_of(raw(b'{"identifier": "\xff"}')) is Kind.MALFORMED


def test_a_wrong_content_type_is_unsupported() -> None:
    assert kind_of(raw(b'{"identifier": "a@b.c"}', "text/plain")) is Kind.UNSUPPORTED_MEDIA_TYPE


def test_a_missing_required_header_is_reported_as_such() -> None:
    assert kind_of(raw(b'{"identifier": "a@b.c"}', slug=None)) is Kind.MISSING_HEADER


def test_a_schema_violation_names_the_field() -> None:
    with pytest.raises(ApiError) as caught:
        validate_request(SEND, raw(b"{}"))
    assert caught.value.kind is Kind.INVALID
    assert caught.value.details["pointer"] == ["identifier"]


def test_an_undocumented_status_is_a_response_problem() -> None:
    assert response_problems(SEND, 418, "application/json", {}, {})


def test_a_documented_response_has_no_problem() -> None:
    assert response_problems(SEND, 200, "application/json", {}, {}) == []


def test_a_body_that_breaks_the_response_schema_is_a_problem() -> None:
    assert response_problems(SEND, 200, "application/json", {"unexpected": 1}, {})


def test_a_long_value_is_cut_in_the_message_and_the_rule_kept() -> None:
    with pytest.raises(ApiError) as caught:
        validate_request(SEND, raw(b'{"identifier": ' + b"[" + b"1," * 3000 + b"1]}"))
    message = caught.value.message
    assert len(message) < 200 and message.endswith("… (3001 items) is not of type 'string'")


def test_clip_keeps_a_short_value_whole() -> None:
    assert clip("infinity-mall") == "infinity-mall"


def test_clip_cuts_a_long_value_and_names_its_length() -> None:
    assert clip("x" * 5000, 4) == "xxxx… (5000 characters)"


def test_an_api_error_message_is_bounded_whatever_it_echoes() -> None:
    assert len(ApiError(Kind.INVALID, "y" * 5000).message) == MAX_MESSAGE_CHARS
