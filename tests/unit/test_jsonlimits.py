"""The JSON decoder for client bodies: limits on nesting and on the size of strings and numbers."""

from __future__ import annotations

import json

import pytest

from resetkit.jsonlimits import MAX_DEPTH, MAX_NUMBER_CHARS, MAX_STRING_CHARS, JsonLimitExceeded, decode_json


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_an_ordinary_body_parses_as_json_loads_parses_it() -> None:
    text = '{"userId": "310000000000000002", "sendLink": {"urlTemplate": "x"}, "n": [1, 2.5, -3e2, true, null]}'
    assert decode_json(text) == json.loads(text)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert decode_json(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))


def test_nesting_past_the_limit_is_refused() -> None:
    with pytest.raises(JsonLimitExceeded, match="deeper than 64"):
        decode_json('{"a": ' + nested(MAX_DEPTH) + "}")


def test_a_thousand_levels_are_refused_without_recursion() -> None:
    with pytest.raises(JsonLimitExceeded):
        decode_json(nested(1000))


def test_an_unclosed_thousand_levels_are_refused() -> None:
    with pytest.raises(ValueError):
        decode_json("{" + '"a":{' * 1000)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 500 + '\\"{' * 100})
    assert decode_json(text) == json.loads(text)


def test_many_shallow_arrays_are_accepted() -> None:
    text = "[" + ",".join(["[]"] * 1000) + "]"
    assert len(decode_json(text)) == 1000


def test_a_number_up_to_the_limit_is_accepted() -> None:
    assert decode_json("9" * MAX_NUMBER_CHARS) == int("9" * MAX_NUMBER_CHARS)


def test_a_longer_number_is_refused() -> None:
    with pytest.raises(JsonLimitExceeded, match="number"):
        decode_json('{"n": ' + "9" * (MAX_NUMBER_CHARS + 1) + "}")


def test_a_float_beyond_double_range_is_refused() -> None:
    with pytest.raises(JsonLimitExceeded, match="out of range"):
        decode_json('{"n": 1e999}')


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant: str) -> None:
    with pytest.raises(JsonLimitExceeded, match="not a JSON value"):
        decode_json(f'{{"n": {constant}}}')


def test_a_string_up_to_the_limit_is_accepted() -> None:
    assert decode_json(json.dumps(["a" * MAX_STRING_CHARS])) == ["a" * MAX_STRING_CHARS]


def test_a_longer_string_value_is_refused() -> None:
    with pytest.raises(JsonLimitExceeded, match="string"):
        decode_json(json.dumps({"a": {"b": "a" * (MAX_STRING_CHARS + 1)}}))


def test_a_longer_key_is_refused() -> None:
    with pytest.raises(JsonLimitExceeded, match="string"):
        decode_json(json.dumps({"k" * (MAX_STRING_CHARS + 1): 1}))


def test_invalid_json_is_still_a_value_error() -> None:
    with pytest.raises(ValueError):
        decode_json('{"a": ')
