"""The contracts themselves: valid OpenAPI 3.1, examples that validate, schemas that reject, nothing missing."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from resetkit.openapi.spec import load_spec
from resetkit.resources import specs_dir
from resetkit.settings import ALL_VENDORS

SPEC_NAMES = [*ALL_VENDORS, "admin"]

# Every operation a seed page documents: seed file -> (vendor, METHOD, path).
SEED_OPERATIONS = [
    ("000_53a9a7589ed9852f.txt", "placewise", "POST", "/v1/auth/reset_password/send"),
    (
        "001_bcedfd365253b41d.txt",
        "placewise",
        "POST",
        "/v3/{loyalty_club_slug}/members/by_email/{email}/send_registration_password",
    ),
    ("002_a6edb350fa7212af.txt", "zitadel", "POST", "/v2/users/{userId}/password_reset"),
    ("003_7f86285c75b750bf.txt", "socialid", "POST", "/v2/marketing/login/users/reset_password/email"),
    ("003_7f86285c75b750bf.txt", "socialid", "POST", "/v2/marketing/login/users/reset_password_email"),
    ("004_e5c459a6c3e9aa9b.txt", "leadsquared", "POST", "/api/Authentication/SecureForgotPassword"),
]

# Seed 001's navigation under "Member > Authentication", "Password" and "Verification": each endpoint and the
# operation that specifies it (specs/README.md has the same table).
SEED_001_MEMBER_ENDPOINTS = {
    "One Time Password > Send OTP via SMS": "sendOneTimePasswordSms",
    "One Time Password > Send OTP via SMS by Email": "sendOneTimePasswordSmsByEmail",
    "One Time Password > Send OTP via Email": "sendOneTimePasswordEmail",
    "One Time Password > Send OTP via Email by MSISDN": "sendOneTimePasswordEmailByMsisdn",
    "Registration Password > Send Registration Password SMS": "sendRegistrationPasswordSms",
    "Registration Password > Send Registration Password Email": "sendRegistrationPasswordEmail",
    "Create Token": "createToken",
    "Revoke Token": "revokeToken",
    "Show Token Info": "showTokenInfo",
    "Verification > Send Verification Email": "sendEmailVerification",
    "Verification > Send Verification SMS": "sendMsisdnVerification",
    "Verification > Verify Email": "verifyEmail",
    "Verification > Verify MSISDN": "verifyMsisdn",
    "Password > Update Password": "updatePassword",
    "Password > Reset Password": "resetPasswordByEmail",
    "Password > Send Password Reset Token": "sendPasswordResetTokenByEmail",
}

# contracts.md section 0: the companion operations each flow needs, by operationId.
SECTION_0_OPERATIONS = {
    "placewise": {
        "sendResetPasswordMessage",
        "sendRegistrationPasswordEmail",
        "sendRegistrationPasswordSms",
        "sendPasswordResetTokenByEmail",
        "resetPasswordByEmail",
        "createToken",
        "showTokenInfo",
    },
    "zitadel": {
        "passwordReset",
        "setPassword",
        "addHumanUser",
        "getUserById",
        "createSession",
        "connectPasswordReset",
        "connectSetPassword",
        "connectAddHumanUser",
        "connectGetUserById",
        "connectCreateSession",
    },
    "socialid": {
        "sendResetPasswordEmail",
        "sendResetPasswordEmailLegacy",
        "createResetPasswordToken",
        "resetPassword",
        "createOAuthToken",
    },
    "leadsquared": {"getPublicAuthKey", "forgotPassword", "resetPassword", "resetPasswordV2", "signIn"},
}

# One body per request schema that the schema must reject (proves it is not vacuous).
INVALID_BODIES: dict[tuple[str, str], Any] = {
    ("placewise", "sendResetPasswordMessage"): {},
    ("placewise", "createToken"): {"grant_type": "password", "identifier": "a@b.c"},
    ("placewise", "resetPasswordByEmail"): {"password": "New-Passw0rd!"},
    ("placewise", "updatePassword"): {"current_password": "Old-Passw0rd!", "password": "short"},
    ("placewise", "revokeToken"): {"token": 42},
    ("placewise", "sendMsisdnVerification"): {"for_mobile_app": "yes"},
    ("placewise", "verifyMsisdn"): {"token": ""},
    ("placewise", "sendEmailVerification"): {"for_mobile_app": 1},
    ("placewise", "verifyEmail"): {},
    ("zitadel", "passwordReset"): {"sendLink": {}, "returnCode": {}},
    ("zitadel", "setPassword"): {"newPassword": {"password": ""}},
    ("zitadel", "addHumanUser"): {"email": {"email": "a@b.c"}},
    ("zitadel", "createSession"): {"checks": {"password": {"password": "x"}, "user": {}}},
    ("zitadel", "connectPasswordReset"): {"userId": "1", "sendLink": {}, "returnCode": {}},
    ("zitadel", "connectSetPassword"): {"userId": "1", "newPassword": {"password": ""}},
    ("zitadel", "connectAddHumanUser"): {"profile": {}},
    ("zitadel", "connectGetUserById"): {},
    ("zitadel", "connectCreateSession"): {"checks": {"user": {"userId": ""}}},
    ("zitadel", "listOrganizations"): {"queries": [{"nameQuery": {"name": "x", "method": True}}]},
    ("zitadel", "connectListOrganizations"): {"query": {"limit": -1}},
    ("zitadel", "connectGetGeneralSettings"): [],
    ("zitadel", "connectGetLoginSettings"): {"ctx": {"orgId": "1", "instance": True}},
    ("zitadel", "connectGetActiveIdentityProviders"): {"creationAllowed": "yes"},
    ("zitadel", "connectGetPasswordComplexitySettings"): {"ctx": "310000000000000001"},
    ("zitadel", "connectGetPasswordExpirySettings"): {"ctx": {"instance": "true"}},
    ("zitadel", "connectGetBrandingSettings"): {"ctx": []},
    ("zitadel", "connectGetLegalAndSupportSettings"): "ctx",
    ("zitadel", "connectGetLockoutSettings"): {"ctx": {"orgId": 1}},
    ("zitadel", "connectGetSecuritySettings"): 42,
    ("zitadel", "connectGetHostedLoginTranslation"): {"locale": "x" * 36},
    ("zitadel", "listUsers"): {"queries": [{"emailQuery": {"emailAddress": 5}}]},
    ("zitadel", "connectListUsers"): {"queries": [{"orQuery": {"queries": [{"loginNameQuery": {"loginName": []}}]}}]},
    ("zitadel", "connectListAuthenticationMethodTypes"): {},
    ("zitadel", "connectDeleteUser"): {"userId": ""},
    ("zitadel", "setSession"): {"lifetime": "-5s"},
    ("zitadel", "connectSetSession"): {"checks": {"password": {"password": "x"}}},
    ("zitadel", "connectGetSession"): {"sessionId": "1", "sessionToken": ""},
    ("zitadel", "listSessions"): {"queries": [{"idsQuery": {"ids": "1"}}]},
    ("zitadel", "connectListSessions"): {"sortingColumn": True},
    ("zitadel", "deleteSession"): {"sessionToken": ""},
    ("zitadel", "connectDeleteSession"): {"sessionToken": "t"},
    ("socialid", "sendResetPasswordEmail"): {"redirect_url": "https://example.com"},
    ("socialid", "sendResetPasswordEmailLegacy"): {},
    ("socialid", "createResetPasswordToken"): {"username": ""},
    ("socialid", "resetPassword"): {"user": {"password": "secret1"}},
    ("socialid", "createOAuthToken"): {"grant_type": "implicit"},
    ("leadsquared", "forgotPassword"): {"EmailAddress": "a@b.c", "SearchKeyData": {"SchemaName": "x", "Value": "y"}},
    ("leadsquared", "resetPassword"): {"Password": "x", "LeadId": "not-a-guid", "TemporaryPassword": "zz"},
    ("leadsquared", "resetPasswordV2"): {"Password": "x"},
    ("leadsquared", "signIn"): {"Password": "x"},
    ("admin", "createAccount"): {"vendor": "nobody", "email": "a@b.c", "password": "x"},
    ("admin", "advanceClock"): {"advance_seconds": -1},
    ("admin", "setClock"): {"offset_seconds": "0"},
    ("admin", "addFault"): {"vendor": "placewise", "operation": "resetPasswordByEmail"},  # nothing to inject
    ("admin", "updateCustomization"): {},  # nothing to change
    ("admin", "markOutboxMessage"): {"read": "yes"},
    ("admin", "mailpitSetReadStatus"): {"ids": "1", "Read": True},  # Go's decoder matches `ids` to IDs
    ("admin", "mailpitDeleteMessages"): {"IDs": [1, 2]},
}


def _document(name: str) -> dict[str, Any]:
    result: dict[str, Any] = yaml.safe_load((specs_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    return result


def _validator_at(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    uri = "urn:test:spec"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(document))
    return Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _media_examples(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(label, schema pointer, example value) for every media-type example in the document."""

    def walk(node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
        if isinstance(node, dict):
            if "schema" in node and ("examples" in node or "example" in node):
                for name, example in (node.get("examples") or {}).items():
                    if "$ref" in example:
                        target = document
                        for part in example["$ref"][2:].split("/"):
                            target = target[part.replace("~1", "/").replace("~0", "~")]
                        example = target
                    if "value" in example:
                        yield f"{pointer} [{name}]", f"{pointer}/schema", example["value"]
                if "example" in node:
                    yield f"{pointer} [example]", f"{pointer}/schema", node["example"]
            for key, value in node.items():
                yield from walk(value, f"{pointer}/{_escape(str(key))}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{pointer}/{index}")

    yield from walk(document.get("paths", {}), "/paths")
    yield from walk(document.get("components", {}), "/components")


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_spec_is_valid_openapi_3_1(name: str) -> None:
    document = _document(name)
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_operation_ids_are_unique_and_every_ref_resolves(name: str) -> None:
    spec = load_spec(name)  # raises on a duplicate operationId or an unresolvable $ref
    assert spec.operations


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_operation_names_its_source(name: str) -> None:
    for operation in load_spec(name):
        raw = _document(name)["paths"][operation.path][operation.method.lower()]
        assert raw.get("x-source") in {"seed", "documented", "inferred"}, operation.operation_id
        assert raw.get("description"), f"{operation.operation_id} needs a description naming its source page"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_operation_documents_the_503_of_a_failure_of_the_mock(name: str) -> None:
    undocumented = [op.operation_id for op in load_spec(name) if "503" not in op.responses]
    assert not undocumented, f"{name}: no 503 (the mock could not save its state) on {undocumented}"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_example_validates_against_its_schema(name: str) -> None:
    document = _document(name)
    failures = [
        f"{label}: {error.message}"
        for label, pointer, value in _media_examples(document)
        for error in _validator_at(document, pointer).iter_errors(value)
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "operation_id"), sorted(INVALID_BODIES))
def test_request_schema_rejects_an_invalid_body(name: str, operation_id: str) -> None:
    operation = load_spec(name).operations[operation_id]
    assert operation.body is not None
    validator = next(v for v in operation.body.media.values() if v is not None)
    assert not validator.is_valid(INVALID_BODIES[(name, operation_id)])


def test_every_request_schema_has_an_invalid_body_case() -> None:
    with_body = {(name, op.operation_id) for name in SPEC_NAMES for op in load_spec(name) if op.body is not None}
    assert with_body <= set(INVALID_BODIES), sorted(with_body - set(INVALID_BODIES))


@pytest.mark.parametrize(("seed", "vendor", "method", "path"), SEED_OPERATIONS)
def test_seed_documented_operation_is_specified(seed: str, vendor: str, method: str, path: str) -> None:
    operations = {(op.method, op.path) for op in load_spec(vendor)}
    assert (method, path) in operations, f"{seed}: {method} {path} missing from specs/{vendor}.yaml"


@pytest.mark.parametrize(("entry", "operation_id"), sorted(SEED_001_MEMBER_ENDPOINTS.items()))
def test_seed_001_member_endpoint_is_specified_and_cataloged(entry: str, operation_id: str) -> None:
    operation = load_spec("placewise").operations[operation_id]
    raw = _document("placewise")["paths"][operation.path][operation.method.lower()]
    if operation.source == "inferred":
        assert raw["description"].startswith("Source: inferred."), f"{operation_id} must say why it is inferred"
    catalog = (specs_dir() / "README.md").read_text(encoding="utf-8")
    assert f"| {entry} | `{operation_id}`" in catalog, f"specs/README.md's seed 001 table lacks {entry}"


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_section_0_operations_are_specified(vendor: str) -> None:
    assert SECTION_0_OPERATIONS[vendor] <= set(load_spec(vendor).operations)


@pytest.mark.parametrize("vendor", SPEC_NAMES)
def test_catalog_row_matches_every_operation(vendor: str) -> None:
    catalog = (specs_dir() / "README.md").read_text(encoding="utf-8")
    stale = [
        op.operation_id
        for op in load_spec(vendor)
        if f"| `{op.method} {op.path}` | {op.source} | {', '.join(op.responses)} |" not in catalog
        or f"| {vendor} | `{op.operation_id}`" not in catalog
    ]
    assert not stale, f"specs/README.md's catalog is missing or out of date for {stale}"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_schemathesis_loads_the_spec_without_warnings(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = schemathesis.openapi.from_path(str(specs_dir() / f"{name}.yaml"))
        operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(load_spec(name).operations)
