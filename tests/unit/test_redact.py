"""What the journal and the request log hide in a URL: secret query parameters, and the path segments an operation
marks secret (`x-secret`), counted from the end so that any mount prefix keeps them in place."""

from __future__ import annotations

import pytest

from resetkit.openapi.spec import load_spec
from resetkit.redact import redact_url


def test_a_segment_counted_from_the_end_is_hidden_whatever_the_prefix() -> None:
    assert redact_url("/placewise/v3/club/t/abc", (0,)) == "/placewise/v3/club/t/[redacted]"
    assert redact_url("/v3/club/t/abc", (0,)) == "/v3/club/t/[redacted]"


def test_the_query_is_redacted_beside_the_path() -> None:
    assert redact_url("/a/secret?token=x&lang=en", (0,)) == "/a/[redacted]?token=[redacted]&lang=en"


@pytest.mark.parametrize("offset", [5, 9])
def test_an_offset_beyond_the_path_hides_nothing(offset: int) -> None:
    assert redact_url("/a/b/c", (offset,)) == "/a/b/c"


def test_without_secret_segments_a_path_is_shown_as_it_is() -> None:
    assert redact_url("/v3/club/members/by_email/a@x.example/reset_password") == (
        "/v3/club/members/by_email/a@x.example/reset_password"
    )


def test_the_spec_marks_verify_tokens_token_and_nothing_else() -> None:
    marked = {op.operation_id: op.secret_path_segments for op in load_spec("placewise") if op.secret_path_segments}
    assert marked == {"verifyToken": (0,)}
