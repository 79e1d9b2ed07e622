"""Read credentials the way each OpenAPI security scheme says, and ask the vendor whether they are good."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from .api import Api, Principal
from .errors import ApiError, Kind
from .openapi.spec import Operation, SecurityScheme
from .protocols import VendorContext


def credential_for(scheme: SecurityScheme, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The raw credential a scheme carries (`user:pass` for basic), or None if the request has none."""
    if scheme.type == "apiKey":
        source = headers if scheme.location == "header" else query
        value = source.get(scheme.key_name or "")
        return value if value else None
    if scheme.type == "http":
        header = headers.get("Authorization", "")
        prefix, _, value = header.partition(" ")
        if prefix.lower() != (scheme.scheme or "") or not value.strip():
            return None
        if scheme.scheme == "basic":
            try:
                return base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
                return None
        return value.strip()
    return None


def authenticate(
    api: Api,
    operation: Operation,
    schemes: Mapping[str, SecurityScheme],
    headers: Mapping[str, str],
    query: Mapping[str, str],
    ctx: VendorContext,
) -> Principal | None:
    """The principal for the first satisfied security requirement; ApiError(UNAUTHENTICATED) if none is."""
    if not operation.security or any(not requirement for requirement in operation.security):
        return None
    failed_scheme = operation.security[0][0]
    presented = False
    for requirement in operation.security:
        principal = None
        for scheme_name in requirement:
            credential = credential_for(schemes[scheme_name], headers, query)
            presented = presented or credential is not None
            checked = (
                api.authenticators[scheme_name](credential, ctx)
                # The mock issues ASCII credentials only (and `secrets.compare_digest` raises on any other).
                if credential is not None and credential.isascii()
                else None
            )
            if checked is None:
                failed_scheme = scheme_name
                principal = None
                break
            principal = principal or checked
        if principal is not None:
            return principal
    raise ApiError(
        Kind.UNAUTHENTICATED,
        "missing or invalid credentials",
        # `presented`: some credential was sent but rejected (vendors may answer that differently from "none").
        details={"scheme": failed_scheme, "presented": presented},
    )
