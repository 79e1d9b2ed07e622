"""The one error type handlers raise; each vendor decides how it looks on the wire."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What went wrong, independent of any vendor's wording or status code."""

    MALFORMED = "malformed"  # the body cannot be parsed (bad JSON, bad UTF-8, bad form)
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_LARGE = "too_large"
    INVALID = "invalid"  # parsed, but violates the operation's schema
    MISSING_HEADER = "missing_header"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"  # a resource the request names does not exist
    NO_ROUTE = "no_route"  # no operation at this path
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PRECONDITION = "precondition"  # valid request, wrong state (expired code, used token)
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"  # a failure of ours that a retry may not meet (the state could not be saved)


# The conventional HTTP status of each kind; a vendor's record overrides only where its docs differ.
HTTP_STATUS: dict[Kind, int] = {
    Kind.MALFORMED: 400,
    Kind.UNSUPPORTED_MEDIA_TYPE: 415,
    Kind.TOO_LARGE: 413,
    Kind.INVALID: 400,
    Kind.MISSING_HEADER: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.NO_ROUTE: 404,
    Kind.METHOD_NOT_ALLOWED: 405,
    Kind.PRECONDITION: 400,
    Kind.RATE_LIMITED: 429,
    Kind.INTERNAL: 500,
    Kind.UNAVAILABLE: 503,
}


SHOWN_CHARS = 64  # of a client's value echoed in a message
MAX_MESSAGE_CHARS = 1000  # a message longer than this is cut, whatever it echoes


def clip(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as text for a message, cut to `limit` characters with its length named: `1111… (5000 characters)`."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class ApiError(Exception):
    """A failed call. `status` overrides the vendor's default status for `kind`; `code` is the vendor's own id."""

    def __init__(
        self,
        kind: Kind,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.code = code
        self.details = details
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class StateNotSaved(Exception):
    """A store could not make a request's changes durable; it has put them back as they were last committed."""


class DomainError(Exception):
    """Raised by the pure flows; vendor modules translate it into their documented ApiError."""


class AccountNotFound(DomainError):
    """No account matches the identifier or id."""


class CodeNotFound(DomainError):
    """No pending reset has this code, or it was replaced by a newer one."""


class CodeAlreadyUsed(DomainError):
    """The code was redeemed before: codes are single use."""


class CodeExpired(DomainError):
    """The code's lifetime is over."""


class CodeMismatch(DomainError):
    """A code exists for the account, but the one given is not it."""


class WrongPassword(DomainError):
    """The password does not match the account's current password."""


class TokenInvalid(DomainError):
    """An access token is unknown or expired."""
