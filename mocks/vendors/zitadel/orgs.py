"""OrganizationService ListOrganizations: the instance's one organization (the default one), found by every query
that matches it. Source: ZITADEL `proto/zitadel/org/v2/org_service.proto`, `internal/query/org.go`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...api import Call, Reply
from .customization import customized
from .errors import fail
from .instance import ORG_DOMAIN, ORG_ID
from .listing import list_details, page, text_matches
from .protojson import timestamp

ACTIVE = "ORGANIZATION_STATE_ACTIVE"
ORGANIZATION_STATES = (
    "ORGANIZATION_STATE_UNSPECIFIED",
    ACTIVE,
    "ORGANIZATION_STATE_INACTIVE",
    "ORGANIZATION_STATE_REMOVED",
)


def organization(call: Call) -> dict[str, Any]:
    """`zitadel.org.v2.Organization`: the mock's organization, named as the team chose."""
    return {
        "id": ORG_ID,
        "details": {"sequence": "1", "changeDate": timestamp(call.now), "resourceOwner": ORG_ID},
        "state": ACTIVE,
        "name": str(customized(call)["org_name"]),
        "primaryDomain": ORG_DOMAIN,
    }


def _matches(org: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """One `zitadel.org.v2.SearchQuery`; several in a request must all match."""
    if "nameQuery" in query:
        return text_matches(org["name"], query["nameQuery"].get("name", ""), query["nameQuery"].get("method"))
    if "domainQuery" in query:
        # ZITADEL matches any verified domain; the mock's organization has its primary one.
        return text_matches(
            org["primaryDomain"], query["domainQuery"].get("domain", ""), query["domainQuery"].get("method")
        )
    if "stateQuery" in query:
        state = query["stateQuery"].get("state", ORGANIZATION_STATES[0])
        return bool(state == org["state"] or state == ORGANIZATION_STATES.index(org["state"]))
    if "idQuery" in query:
        return bool(query["idQuery"].get("id") == org["id"])
    if "defaultQuery" in query:
        return True  # the one organization is the instance's default
    raise fail(3, None, "search query is empty")


def list_organizations(call: Call) -> Reply:
    body = call.body or {}
    org = organization(call)
    found = [org] if all(_matches(org, query) for query in body.get("queries") or ()) else []
    answer: dict[str, Any] = {"details": list_details(len(found), call.now), "result": page(found, body.get("query"))}
    if body.get("sortingColumn") not in (None, 0, "ORGANIZATION_FIELD_NAME_UNSPECIFIED"):
        answer["sortingColumn"] = body["sortingColumn"]
    if not answer["result"]:
        del answer["result"]
    return Reply(200, answer)


HANDLERS = {"listOrganizations": list_organizations, "connectListOrganizations": list_organizations}
