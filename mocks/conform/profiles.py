"""How schemathesis is configured per vendor, from its client record: credentials per security scheme, fixed
parameters, and the vendor-documented statuses its default checks do not know (Placewise's 46x/47x, business
rejections).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from ..clients import CLIENTS, Client, pick
from ..clients.base import fill, placeholders, prepare
from ..resources import specs_dir

_POSITIVE_DEFAULT = ["2xx", "401", "403", "404", "409", "429", "5xx"]
_NEGATIVE_DEFAULT = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
_MISSING_HEADER_DEFAULT = ["400", "401", "403", "406", "415", "422"]


def spec_path(vendor: str) -> str:
    return str(specs_dir() / f"{vendor}.yaml")


def auth_schemes(vendor: str, credentials: Mapping[str, str], base_url: str) -> dict[str, dict[str, str]]:
    """schemathesis `[auth.openapi.<scheme>]` entries: the client record's templates over the credentials."""
    client = CLIENTS[vendor]
    templates = client.schemathesis.auth
    values = client.values(credentials)
    if "session" in placeholders(templates):
        values["session"] = _session(client, credentials, base_url)
    return {
        scheme: {key: str(fill(value, values)) for key, value in entry.items()} for scheme, entry in templates.items()
    }


def _session(client: Client, credentials: Mapping[str, str], base_url: str) -> str:
    """The credentials' session (Placewise's `member_token`), else one from signing their member in ("" if that
    fails: the operations that need it then answer their documented refusal)."""
    check = client.session
    assert check is not None, f"{client.name}: a {{session}} in the schemathesis auth needs the record's session"
    if credentials.get(check.credential):
        return credentials[check.credential]
    request = pick(client.sign_in, "")
    email, password = (client.credential(credentials, key) for key in check.account)
    call = prepare(request, client.operation(request), client.values(credentials, email=email, password=password))
    response = requests.request(
        call.method, f"{base_url}{call.path}", json=call.json, data=call.form, headers=call.headers, timeout=10
    )
    return str(response.json().get(check.token, "")) if response.ok else ""


def parameters(vendor: str, credentials: Mapping[str, str]) -> dict[str, str]:
    """Values that must be right for a request to reach the operation at all (e.g. the loyalty club)."""
    client = CLIENTS[vendor]
    values = client.values(credentials)
    return {name: str(fill(template, values)) for name, template in client.schemathesis.parameters.items()}


def config_dict(
    vendor: str,
    credentials: Mapping[str, str],
    base_url: str,
    *,
    max_examples: int,
    seed: int | None = None,
    every_phase: bool = False,
) -> dict[str, Any]:
    """The schemathesis configuration (as its TOML would read) for one vendor and target; `every_phase` keeps the
    coverage phase for the operations the client record calls slow there (a fuzzing budget bounds it anyway)."""
    known = CLIENTS[vendor].schemathesis
    extra = list(known.extra_rejections)
    operations: list[dict[str, Any]] = [
        {
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": _POSITIVE_DEFAULT + list(statuses)}},
        }
        for operation_id, statuses in known.business_rejections.items()
    ]
    operations += [
        {"include-operation-id": operation_id, "checks": {"ignored_auth": {"enabled": False}}}
        for operation_id in known.non_standard_auth
    ]
    operations += [
        {
            "include-operation-id": operation_id,
            "checks": {"unsupported_method": {"enabled": False}, "allow_header_conformance": {"enabled": False}},
        }
        for operation_id in known.route_overlaps
    ]
    operations += [
        {"include-operation-id": operation_id, "phases": {"coverage": {"enabled": False}}}
        for operation_id in (() if every_phase else known.slow_coverage)
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
        # Stateful runs follow the specs' own links and Location headers. Dependency analysis guesses links from
        # names, and takes a search that is a POST (ZITADEL's ListUsers) for the creation of what it lists.
        "phases": {"stateful": {"inference": {"algorithms": ["location-headers"]}}},
    }
    if seed is not None:
        config["seed"] = seed
    return config
