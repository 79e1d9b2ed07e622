"""The coverage model: what a contract documents, derived from the spec alone (resetkit.clients.coverage), and the
client records' observations of it staying in step with the specs."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from resetkit.clients import CLIENTS, COVERAGE, VENDORS, coverage_items
from resetkit.clients.coverage import Item, Patch, ReadBack, check_id, derive, sample
from resetkit.conform.exercising import apply_patch, put, request_from_spec
from resetkit.openapi.spec import load_spec
from resetkit.resources import specs_dir


def spec_copy(tmp_path: Path, vendor: str, change: Any) -> Path:
    """A copy of a shipped spec with `change(document)` applied."""
    document = yaml.safe_load((specs_dir() / f"{vendor}.yaml").read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / f"{vendor}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def items_of(vendor: str, operation: str, kind: str | None = None) -> dict[str, Item]:
    return {i.key: i for i in coverage_items(vendor) if i.operation == operation and kind in (None, i.kind)}


# A new value or operation in a spec is covered without new test code ------------------------------------------------
def test_a_new_enum_value_in_a_spec_is_a_new_alternative_with_a_valid_request(tmp_path: Path) -> None:
    def add_username(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["PasswordGrant"]["properties"]["identifier_type"]["enum"].append("username")

    items = {i.key: i for i in derive(load_spec("placewise", spec_copy(tmp_path, "placewise", add_username)))}
    new = items["body:identifier_type=username"]
    assert (new.operation, new.kind, check_id(new)) == (
        "createToken",
        "alternative",
        "placewise-createToken-body:identifier_type=username",
    )
    assert new.patch is not None
    body = apply_patch({"grant_type": "refresh_token", "refresh_token": "r"}, new.patch)
    assert body["grant_type"] == "password" and body["identifier_type"] == "username"
    assert "refresh_token" not in body, "the other grant's member stays in the body"
    assert {"identifier", "password"} <= set(body), "the password grant's required members are missing"


def test_a_new_operation_in_a_spec_gets_its_items_and_a_request_built_from_the_spec(tmp_path: Path) -> None:
    def add_list_users(document: dict[str, Any]) -> None:
        document["paths"]["/v2/users"] = {
            "post": {
                "operationId": "listUsers",
                "x-source": "documented",
                "security": [{"zitadelAccessToken": []}],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"sortingColumn": {"enum": ["BY_NAME", "BY_EMAIL"]}},
                            },
                            "examples": {"all": {"value": {"sortingColumn": "BY_NAME"}}},
                        }
                    }
                },
                "responses": {"200": {"description": "the users"}, "401": {"description": "no token"}},
            }
        }

    spec = load_spec("zitadel", spec_copy(tmp_path, "zitadel", add_list_users))
    keys = {i.key for i in derive(spec) if i.operation == "listUsers"}
    assert keys == {
        "security:zitadelAccessToken",
        "body:sortingColumn=BY_NAME",
        "body:sortingColumn=BY_EMAIL",
        "status:200",
        "status:401",
    }
    request = request_from_spec(CLIENTS["zitadel"], COVERAGE["zitadel"], "listUsers", spec)
    assert request.json == {"sortingColumn": "BY_NAME"}
    assert request.headers == {"Authorization": "Bearer {access_token}"}


# What counts as an alternative -----------------------------------------------------------------------------------
def test_each_branch_of_a_one_of_with_a_constant_is_an_alternative_that_drops_the_other_branches() -> None:
    grants = items_of("placewise", "createToken", "alternative")
    refresh = grants["body:grant_type=refresh_token"].patch
    assert refresh == Patch(
        "body",
        set=((("grant_type",), "refresh_token"),),
        require=((("refresh_token",), "x"),),
        drop=(("external_token",), ("external_token_type",), ("identifier",), ("identifier_type",), ("password",)),
    )
    assert {"body:identifier_type=id", "body:identifier_type=email", "body:identifier_type=msisdn"} <= set(grants)


def test_lookup_variants_written_as_branches_of_required_members_are_alternatives() -> None:
    assert {"body:username", "body:email_address"} <= set(items_of("socialid", "createResetPasswordToken"))
    assert {"body:checks.user.userId", "body:checks.user.loginName"} <= set(items_of("zitadel", "createSession"))
    assert {"body:EmailAddress", "body:SearchKeyData"} <= set(items_of("leadsquared", "forgotPassword"))


def test_members_of_which_at_most_one_may_be_sent_are_each_an_alternative() -> None:
    reset = items_of("zitadel", "passwordReset", "alternative")
    assert reset["body:returnCode"].patch == Patch("body", require=((("returnCode",), {}),), drop=(("sendLink",),))
    assert reset["body:sendLink"].patch == Patch("body", require=((("sendLink",), {}),), drop=(("returnCode",),))


def test_the_alternatives_inside_a_oneof_member_replace_the_sibling_member_the_request_had() -> None:
    contains = items_of("zitadel", "listOrganizations")["body:queries.0.nameQuery.method=TEXT_QUERY_METHOD_CONTAINS"]
    assert contains.patch is not None
    body = apply_patch({"queries": [{"defaultQuery": {}}]}, contains.patch)
    assert body == {"queries": [{"nameQuery": {"method": "TEXT_QUERY_METHOD_CONTAINS"}}]}


def test_a_oneof_branch_that_only_constrains_a_member_requires_the_member_as_declared_beside_it() -> None:
    by_name = items_of("zitadel", "listUsers")["body:queries.0.userNameQuery"].patch
    assert by_name is not None and by_name.require == ((("queries", 0, "userNameQuery"), {}),)


def test_a_boolean_member_of_an_exclusive_group_is_sent_alone_with_either_value() -> None:
    instance = items_of("zitadel", "connectGetLoginSettings")["body:ctx.instance=false"].patch
    assert instance is not None
    assert apply_patch({"ctx": {"orgId": "o"}}, instance) == {"ctx": {"instance": False}}


def test_a_string_with_a_pattern_is_sampled_to_match_it() -> None:
    assert sample({"type": "string", "pattern": "^[0-9]+$"}) == "0"
    offset = items_of("zitadel", "listUsers")["body:query.offset:pattern=^[0-9]+$"].patch
    assert offset is not None and offset.set == ((("query", "offset"), "0"),)


def test_a_member_that_is_only_nullable_is_no_alternative_but_its_enum_values_are() -> None:
    keys = set(items_of("zitadel", "passwordReset", "alternative"))
    assert not any(k.endswith(":null") or "type=null" in k for k in keys)
    assert {
        "body:sendLink.notificationType=NOTIFICATION_TYPE_Unspecified",
        "body:sendLink.notificationType=NOTIFICATION_TYPE_Email",
        "body:sendLink.notificationType=NOTIFICATION_TYPE_SMS",
        "body:sendLink.notificationType:EnumNumber",
    } <= keys


def test_both_values_of_a_boolean_and_each_named_example_of_a_parameter_are_alternatives() -> None:
    assert {"body:for_mobile_app=true", "body:for_mobile_app=false"} <= set(
        items_of("placewise", "sendMsisdnVerification")
    )
    languages = {k for k in items_of("socialid", "sendResetPasswordEmail") if k.startswith("header:Accept-Language=")}
    assert languages == {f"header:Accept-Language={v}" for v in ("en", "pt-br", "pt-BR, pt;q=0.9, en;q=0.8", "fr")}


def test_each_security_requirement_is_an_alternative_and_an_open_operation_has_none() -> None:
    assert "security:memberToken+clientToken" in items_of("placewise", "showMember")
    assert not any(k.startswith("security:") for k in items_of("placewise", "sendResetPasswordMessage"))


# Statuses, lifetimes and flags ---------------------------------------------------------------------------------------
def test_every_documented_status_is_an_item_and_default_is_none() -> None:
    statuses = items_of("zitadel", "connectSetPassword", "status")
    assert sorted(i.status or 0 for i in statuses.values()) == [200, 400, 401, 403, 404, 415, 503]


def test_every_lifetime_is_an_item_with_its_seconds_or_none_for_no_fixed_end() -> None:
    lifetimes = items_of("placewise", "createToken", "lifetime")
    assert {k: i.lifetime for k, i in lifetimes.items()} == {
        "lifetime:access_token": 86400.0,
        "lifetime:refresh_token": 31536000.0,
    }
    assert items_of("zitadel", "createSession", "lifetime")["lifetime:session"].lifetime is None


def test_a_request_member_a_read_answers_under_its_name_is_a_flag_read_back_by_the_nearest_read() -> None:
    flags = items_of("zitadel", "addHumanUser", "flag")
    assert set(flags) == {"flag:profile.gender", "flag:email.isVerified", "flag:phone.isVerified"}
    gender = flags["flag:profile.gender"]
    assert gender.values[:2] == ("GENDER_UNSPECIFIED", "GENDER_FEMALE")
    assert gender.reads == ("getUserById", "connectGetUserById")
    assert items_of("zitadel", "connectAddHumanUser", "flag")["flag:profile.gender"].reads[0] == "connectGetUserById"


def test_a_state_the_record_reads_back_is_a_flag_too() -> None:
    flag = items_of("placewise", "verifyMsisdn", "flag")["flag:sms_status"]
    assert flag.reads == ("showMember",) and flag.label == "sms_status read back by showMember"


# Changing a body -------------------------------------------------------------------------------------------------
def test_put_creates_the_objects_and_lists_on_the_way_and_none_removes() -> None:
    body: dict[str, Any] = {"a": {"keep": 1, "drop": 2}}
    put(body, ("b", "c"), 3)
    put(body, "queries.0.name", "x")
    put(body, "a.drop", None)
    put(body, ("missing", "deep"), None)
    assert body == {"a": {"keep": 1}, "b": {"c": 3}, "queries": [{"name": "x"}]}


def test_a_patch_keeps_what_the_request_already_has_for_a_required_member() -> None:
    patch = Patch("body", require=((("identifier",), "sample"),), set=((("identifier_type",), "msisdn"),))
    assert apply_patch({"identifier": "+4790000000"}, patch) == {
        "identifier": "+4790000000",
        "identifier_type": "msisdn",
    }


# The records stay in step with the specs -----------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
def test_every_exercise_and_lifetime_use_names_an_operation_of_the_spec(vendor: str) -> None:
    coverage, spec = COVERAGE[vendor], CLIENTS[vendor].spec
    stale = [name for name in coverage.exercises if name not in spec.operations]
    stale += [key for key in coverage.lifetimes if "/" in key and key.split("/")[0] not in spec.operations]
    assert not stale, f"{vendor}'s COVERAGE names operations its spec no longer has: {stale}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_pattern_of_a_record_matches_an_item(vendor: str) -> None:
    """A variant, an effect or a not-applicable reason that matches nothing is left over from an older spec."""
    coverage = COVERAGE[vendor]
    names = [f"{i.operation}/{i.key}" for i in coverage_items(vendor)]
    stale = [p for p in coverage.not_applicable if not fnmatch.filter(names, p)]
    for operation, exercise in coverage.exercises.items():
        keys = [i.key for i in coverage_items(vendor) if i.operation == operation]
        for patterns in (exercise.variants, exercise.alternative_effects):
            stale += [f"{operation}: {p}" for p in patterns if p not in keys and not fnmatch.filter(keys, p)]
    assert not stale, f"{vendor}'s COVERAGE has patterns that match no item: {stale}"


def test_a_read_back_names_a_read_of_the_spec() -> None:
    for vendor in VENDORS:
        spec = CLIENTS[vendor].spec
        for exercise in COVERAGE[vendor].exercises.values():
            reads = [e.request for e in exercise.effects if isinstance(e, ReadBack)]
            reads += [exercise.read] if exercise.read is not None else []
            assert all(r.operation in spec.operations for r in reads), (vendor, reads)


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_status_a_record_provokes_is_documented_for_its_operation(vendor: str) -> None:
    """Explicitly or by `default` (ZITADEL's Connect twins share their REST sibling's provocations)."""
    spec = CLIENTS[vendor].spec
    undocumented = [
        f"{name} {status}"
        for name, exercise in COVERAGE[vendor].exercises.items()
        if name in spec.operations
        for status in exercise.provoke
        if spec.operations[name].response_for(status) is None
    ]
    assert not undocumented, f"{vendor}'s COVERAGE provokes statuses its operations do not document: {undocumented}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_servers_own_failure_is_not_applicable_with_its_reason_for_every_vendor(vendor: str) -> None:
    unavailable = [i for i in coverage_items(vendor) if i.kind == "status" and i.status == 503]
    assert unavailable, f"{vendor}'s spec documents no 503"
    reasons = {COVERAGE[vendor].why_not_applicable(i) for i in unavailable}
    assert len(reasons) == 1 and "no client can provoke it" in str(reasons.pop())


def test_an_exercises_own_provocation_of_a_status_beats_a_not_applicable_pattern_over_every_operation() -> None:
    coverage = COVERAGE["zitadel"]
    assert coverage.why_not_applicable(items_of("zitadel", "getSession")["status:403"]) is None
    assert coverage.why_not_applicable(items_of("zitadel", "setSession")["status:403"]) is not None
