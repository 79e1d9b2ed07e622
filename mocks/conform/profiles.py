"""How schemathesis is configured per vendor: credentials per security scheme, fixed parameters, and the
vendor-documented statuses its default checks do not know (Placewise's 46x/47x, business rejections).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from ..resources import specs_dir
from ..vendors.base import DEMO_PASSWORD

# Statuses a vendor documents for a valid request that the server still refuses on business grounds
# (unknown token, wrong password...): random valid data hits them, so positive_data_acceptance must allow them.
BUSINESS_REJECTIONS: Mapping[str, Mapping[str, list[str]]] = {
    "placewise": {
        "sendResetPasswordMessage": ["471"],
        # The path's e-mail or MSISDN may pass JSON Schema's `format` (a leading form feed) and still be the
        # documented "malformed, 422" (found by the fuzz gate's deep profile).
        "sendRegistrationPasswordEmail": ["422"],
        "sendRegistrationPasswordSms": ["422"],
        "resetPassword": ["400", "422", "463"],
        "createToken": ["461", "462"],
        "showTokenInfo": ["460"],
    },
    "zitadel": {
        "setPassword": ["400"],
        "connectSetPassword": ["400"],
        "passwordReset": ["400"],
        "connectPasswordReset": ["400"],
        "addHumanUser": ["400", "409"],
        "connectAddHumanUser": ["400", "409"],
        "createSession": ["400"],
        "connectCreateSession": ["400"],
    },
    "socialid": {
        "resetPassword": ["403", "422"],
        "createOAuthToken": ["400"],
    },
    "leadsquared": {
        "resetPassword": ["400"],
        "resetPasswordV2": ["400"],
    },
}

# Vendor statuses that also mean "request refused" (negative data, missing headers).
EXTRA_REJECTIONS: Mapping[str, list[str]] = {"placewise": ["470", "471", "460", "461", "462", "463"]}

# Documented auth answers other than 401/403; ignored_auth cannot know them, so it is off for these operations.
NON_STANDARD_AUTH: Mapping[str, list[str]] = {"placewise": ["showTokenInfo"]}  # 460 for a bad token

# Paths where an undocumented method is a real operation of the vendor: `/v2/users/human` is also
# `/v2/users/{userId}` (GET there is GetUserByID, DELETE DeleteUser, so `Allow: DELETE, GET, POST` is honest), and
# `/v2/sessions/search` is also `/v2/sessions/{sessionId}` (GetSession, SetSession, DeleteSession).
ROUTE_OVERLAPS: Mapping[str, list[str]] = {"zitadel": ["addHumanUser", "getUserById", "listSessions"]}

_POSITIVE_DEFAULT = ["2xx", "401", "403", "404", "409", "429", "5xx"]
_NEGATIVE_DEFAULT = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
_MISSING_HEADER_DEFAULT = ["400", "401", "403", "406", "415", "422"]


def spec_path(vendor: str) -> str:
    return str(specs_dir() / f"{vendor}.yaml")


def auth_schemes(vendor: str, credentials: Mapping[str, str], base_url: str) -> dict[str, dict[str, str]]:
    """schemathesis `[auth.openapi.<scheme>]` entries from the credentials file keys."""
    if vendor == "placewise":
        return {
            "clientToken": {"api_key": credentials["client_token"]},
            "memberToken": {
                "bearer": credentials.get("member_token") or _placewise_member_token(credentials, base_url)
            },
        }
    if vendor == "zitadel":
        return {"zitadelAccessToken": {"bearer": credentials["access_token"]}}
    if vendor == "socialid":
        return {
            "loginAppToken": {"bearer": credentials["login_app_token"]},
            "loginAppBasic": {"username": credentials["login_app_id"], "password": credentials["api_secret"]},
        }
    if vendor == "leadsquared":
        return {
            "publicAuthKey": {"api_key": credentials["public_auth_key"]},
            "accessKey": {"api_key": credentials["access_key"]},
            "secretKey": {"api_key": credentials["secret_key"]},
        }
    raise ValueError(f"unknown vendor {vendor}")


def _placewise_member_token(credentials: Mapping[str, str], base_url: str) -> str:
    """Sign a member in (credentials `member_identifier`/`member_password`, default: the mock's demo member)."""
    club = credentials["loyalty_club_slug"]
    response = requests.post(
        f"{base_url}/v3/{club}/members/oauth/token",
        json={
            "grant_type": "password",
            "identifier_type": "email",
            "identifier": credentials.get("member_identifier", "demo@placewise.resetkit.example"),
            "password": credentials.get("member_password", DEMO_PASSWORD),
        },
        headers={"X-Client-Authorization": credentials["client_token"]},
        timeout=10,
    )
    return str(response.json().get("access_token", "")) if response.ok else ""


def parameters(vendor: str, credentials: Mapping[str, str]) -> dict[str, str]:
    """Values that must be right for a request to reach the operation at all (e.g. the loyalty club)."""
    if vendor == "placewise":
        club = credentials["loyalty_club_slug"]
        return {"header.X-Loyalty-Club-Slug": club, "path.loyalty_club_slug": club}
    return {}


def config_dict(
    vendor: str,
    credentials: Mapping[str, str],
    base_url: str,
    *,
    max_examples: int,
    seed: int | None = None,
) -> dict[str, Any]:
    """The schemathesis configuration (as its TOML would read) for one vendor and target."""
    extra = EXTRA_REJECTIONS.get(vendor, [])
    operations: list[dict[str, Any]] = [
        {
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": _POSITIVE_DEFAULT + statuses}},
        }
        for operation_id, statuses in BUSINESS_REJECTIONS.get(vendor, {}).items()
    ]
    operations += [
        {"include-operation-id": operation_id, "checks": {"ignored_auth": {"enabled": False}}}
        for operation_id in NON_STANDARD_AUTH.get(vendor, [])
    ]
    operations += [
        {
            "include-operation-id": operation_id,
            "checks": {"unsupported_method": {"enabled": False}, "allow_header_conformance": {"enabled": False}},
        }
        for operation_id in ROUTE_OVERLAPS.get(vendor, [])
    ]
    config: dict[str, Any] = {
        "base-url": base_url,
        "request-timeout": 10,
        "auth": {"openapi": auth_schemes(vendor, credentials, base_url)},
        "parameters": parameters(vendor, credentials),
        "generation": {"mode": "all", "max-examples": max_examples},
        "checks": {
            "negative_data_rejection": {"expected-statuses": _NEGATIVE_DEFAULT + extra},
            "missing_required_header": {"expected-statuses": _MISSING_HEADER_DEFAULT + extra},
        },
        "operations": operations,
    }
    if seed is not None:
        config["seed"] = seed
    return config
