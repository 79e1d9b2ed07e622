"""Every error a handler can raise has an answer in each vendor's own shape: no kind of failure becomes a 500.

The kinds of ApiError and the DomainError classes are enumerated from resetkit.errors, so a kind or a class added
there without a mapping in some vendor fails here, not at run time.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from multidict import CIMultiDict

from resetkit import errors
from resetkit.admin import admin_api
from resetkit.api import Call, Reply
from resetkit.env import create_env
from resetkit.errors import ApiError, DomainError, Kind
from resetkit.openapi.spec import VendorSpec, load_spec
from resetkit.openapi.validation import RawRequest, response_problems
from resetkit.pipeline import Pipeline
from resetkit.registry import VENDORS as REGISTERED
from resetkit.settings import Settings
from resetkit.vendors import load_vendor
from resetkit.vendors.base import Vendor
from resetkit.vendors.placewise import CLIENT_TOKEN, LOYALTY_CLUB

VENDORS = sorted(REGISTERED)


def domain_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending = [DomainError]
    while pending:
        kind = pending.pop()
        found += kind.__subclasses__()
        pending += kind.__subclasses__()
    return sorted(found, key=lambda kind: kind.__name__)


DOMAIN_ERRORS = domain_errors()
SERVER_KINDS = {Kind.INTERNAL, Kind.UNAVAILABLE}  # failures of the mock itself
CLIENT_KINDS = [kind for kind in Kind if kind not in SERVER_KINDS]


def shape_problems(vendor: Vendor, spec: VendorSpec, error: ApiError) -> list[str]:
    """Why no operation of the spec would accept `error` as rendered for it; empty when one does.

    Where some operation documents the status (or a `default`), the body must be what it documents; a status no
    operation documents (an HTTP-layer answer like 405 or 413) must still have a body one of the vendor's
    documented 4xx responses takes.
    """
    status = vendor.status_for(error)
    documenting = [op for op in spec if op.response_for(status) is not None]
    problems = []
    for operation in documenting or list(spec):
        reply: Reply = vendor.render_error(error, status, operation.path, operation.operation_id)
        if not 400 <= reply.status < 500:
            problems.append(f"{operation.operation_id}: {reply.status}")
            continue
        headers = {**reply.headers, **error.headers}
        candidates = [reply.status] if documenting else [int(s) for s in operation.responses if s.startswith("4")]
        for documented in candidates:
            found = response_problems(operation, documented, reply.content_type, reply.body, headers)
            if not found:
                return []
            problems += found
    return problems or [f"no operation documents {status}"]


def client_error(kind: Kind) -> ApiError:
    """An ApiError of `kind` as the pipeline raises it (a rate limit comes with its Retry-After)."""
    headers = {"Retry-After": "1"} if kind is Kind.RATE_LIMITED else None
    return ApiError(kind, "something is wrong with the request", headers=headers)


def test_the_domain_errors_are_found() -> None:
    assert {errors.CodeMismatch, errors.WrongPassword, errors.TokenInvalid} <= set(DOMAIN_ERRORS)


@pytest.mark.parametrize("vendor_name", VENDORS)
@pytest.mark.parametrize("domain_error", DOMAIN_ERRORS, ids=lambda kind: kind.__name__)
def test_every_domain_error_is_a_documented_4xx_in_the_vendor_shape(
    vendor_name: str, domain_error: type[DomainError]
) -> None:
    vendor = load_vendor(vendor_name)
    try:
        error = vendor.translate(domain_error("x"))
    except DomainError:
        pytest.fail(f"{vendor_name} has no answer for {domain_error.__name__} (Vendor.domain_errors)")
    assert 400 <= vendor.status_for(error) < 500
    assert shape_problems(vendor, load_spec(vendor.spec_file.removesuffix(".yaml")), error) == []


@pytest.mark.parametrize("vendor_name", VENDORS)
@pytest.mark.parametrize("kind", CLIENT_KINDS, ids=str)
def test_every_client_error_kind_is_a_4xx_in_the_vendor_shape(vendor_name: str, kind: Kind) -> None:
    vendor = load_vendor(vendor_name)
    error = client_error(kind)
    assert 400 <= vendor.status_for(error) < 500
    assert shape_problems(vendor, load_spec(vendor.spec_file.removesuffix(".yaml")), error) == []


@pytest.mark.parametrize("vendor_name", [*VENDORS, "admin"])
def test_unavailable_is_the_documented_503_of_every_operation_in_the_api_shape(vendor_name: str) -> None:
    env = create_env(Settings(accounts=0, vendors=tuple(VENDORS)))
    api = admin_api(env) if vendor_name == "admin" else env.vendors[vendor_name]
    spec = load_spec(vendor_name) if vendor_name == "admin" else env.specs[vendor_name]
    error = ApiError(Kind.UNAVAILABLE, "resetkit could not save this request's changes")
    problems = {}
    for operation in spec:
        reply = api.error_reply(error, operation.path, operation.operation_id)
        found = response_problems(operation, reply.status, reply.content_type, reply.body, reply.headers)
        if reply.status != 503 or found:
            problems[operation.operation_id] = (reply.status, found)
    assert problems == {}


def test_an_unmapped_domain_error_is_reraised_not_guessed() -> None:
    unmapped = type("NewDomainError", (DomainError,), {})
    with pytest.raises(unmapped):
        Vendor.translate(replace(load_vendor("placewise"), domain_errors={}), unmapped("x"))


def test_a_domain_error_a_handler_lets_through_is_answered_by_the_vendor_mapping() -> None:
    env = create_env(Settings(strict=True, accounts=0, vendors=("placewise",)))
    spec = env.specs["placewise"]
    operation = spec.operations["resetPasswordByEmail"]

    def leaks(call: Call) -> Reply:
        raise errors.CodeMismatch("x")

    placewise = env.vendors["placewise"]
    vendor = replace(placewise, handlers={**placewise.handlers, "resetPasswordByEmail": leaks})
    headers = CIMultiDict({"X-Client-Authorization": CLIENT_TOKEN})
    body = b'{"token": "abc", "password": "N3w-Passw0rd!"}'
    email = "alice@example.com"
    raw = RawRequest({"loyalty_club_slug": LOYALTY_CLUB, "email": email}, {}, headers, "application/json", body)
    path = f"/placewise/v3/{LOYALTY_CLUB}/members/by_email/{email}/reset_password"
    reply = Pipeline(env, vendor, spec).dispatch(operation, raw, path)
    assert (reply.status, reply.body) == (463, {"error": "Invalid confirmation token"})
