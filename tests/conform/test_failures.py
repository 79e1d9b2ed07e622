"""A failure reads as the rule it breaks, what was sent (a curl command) and what came back, whichever suite
found it: schemathesis' own text is read back into those three parts, an assertion keeps its message."""

from __future__ import annotations

import shlex

from resetkit.conform.failures import account_of, layout_curl, message_of, parse_schemathesis

SCHEMATHESIS = """Schemathesis found 1 distinct failure

- ST103 Undocumented status code

    Received: 404
    Documented: 200, 401, 429, 500

[404] Not Found:

    `{"error":"not found"}`

Reproduce with:

    curl -X GET -H 'Authorization: [Filtered]' 'http://127.0.0.1:18090/api/Access/PublicToken?accessKey=%5BFiltered%5D'"""


def test_schemathesis_text_splits_into_rule_response_and_curl() -> None:
    account = parse_schemathesis(SCHEMATHESIS)
    assert account is not None
    assert account.rule == "- ST103 Undocumented status code\n\n    Received: 404\n    Documented: 200, 401, 429, 500"
    assert account.received == '404 Not Found\n\n{"error":"not found"}'
    assert account.sent == (
        "curl -X GET 'http://127.0.0.1:18090/api/Access/PublicToken?accessKey=%5BFiltered%5D' \\\n"
        "  -H 'Authorization: [Filtered]'"
    )


def test_a_failure_group_is_read_however_deep_hypothesis_wraps_it() -> None:
    group = ExceptionGroup(SCHEMATHESIS, [AssertionError("x")])
    outer = ExceptionGroup("Hypothesis found 2 distinct failures.", [group, ValueError("other")])
    account = account_of(outer)
    assert account.rule.startswith("- ST103 Undocumented status code")
    assert account.sent.startswith("curl -X GET")


def test_a_laid_out_curl_runs_as_the_one_line_it_came_from() -> None:
    one_line = "curl -X POST -H 'Content-Type: application/json' -d '{\"a\": \"it'\"'\"'s\"}' http://h:1/x"
    laid_out = layout_curl(one_line)
    assert laid_out.count("\\\n") == 2
    assert shlex.split(laid_out.replace("\\\n", " ")) == [
        "curl",
        "-X",
        "POST",
        "http://h:1/x",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"a": "it\'s"}',
    ]


def test_a_command_that_is_not_a_plain_curl_is_left_as_it_is() -> None:
    assert layout_curl("curl --compressed http://h/x") == "curl --compressed http://h/x"
    assert layout_curl("wget http://h/x") == "wget http://h/x"


def test_an_assertion_keeps_its_message_and_comparison_but_not_pytest_s_where_lines() -> None:
    error = AssertionError("POST http://h/x -> 200 {}\nassert 200 == 400\n +  where 200 = <Response [200]>.status_code")
    assert message_of(error) == "POST http://h/x -> 200 {}\nassert 200 == 400"


def test_any_other_exception_is_named_with_its_message() -> None:
    assert message_of(TimeoutError("read timed out")) == "TimeoutError: read timed out"
    assert account_of(KeyError("public_auth_key")).rule == "KeyError: 'public_auth_key'"
