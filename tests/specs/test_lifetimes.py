"""Lifetimes are data in the specs (`x-lifetimes`): every one parses, and the mock's own figures agree with them
until the vendor modules read them from the spec too."""

from __future__ import annotations

from pathlib import Path

import pytest

from resetkit.openapi.spec import load_spec
from resetkit.settings import ALL_VENDORS
from resetkit.vendors import leadsquared, placewise, socialid
from resetkit.vendors.zitadel import instance

# (vendor, operationId, what it issues, the mock's figure)
MOCK_FIGURES = [
    ("placewise", "sendResetPasswordMessage", "reset_token", placewise.RESET_TTL),
    ("placewise", "sendPasswordResetToken", "reset_token", placewise.RESET_TTL),
    ("placewise", "sendRegistrationPasswordEmail", "registration_password", placewise.REGISTRATION_PASSWORD_TTL),
    ("placewise", "sendRegistrationPasswordSms", "registration_password", placewise.REGISTRATION_PASSWORD_TTL),
    ("placewise", "createToken", "access_token", placewise.ACCESS_TOKEN_TTL),
    ("zitadel", "passwordReset", "reset_code", instance.CODE_TTL),
    ("zitadel", "connectPasswordReset", "reset_code", instance.CODE_TTL),
    ("zitadel", "addHumanUser", "verification_code", instance.CODE_TTL),
    ("zitadel", "connectAddHumanUser", "verification_code", instance.CODE_TTL),
    ("zitadel", "createSession", "otp_code", instance.OTP_TTL),
    ("zitadel", "connectCreateSession", "otp_code", instance.OTP_TTL),
    ("socialid", "sendResetPasswordEmail", "reset_token", socialid.RESET_TOKEN_TTL),
    ("socialid", "sendResetPasswordEmailLegacy", "reset_token", socialid.RESET_TOKEN_TTL),
    ("socialid", "createResetPasswordToken", "reset_token", socialid.RESET_TOKEN_TTL),
    ("socialid", "createOAuthToken", "access_token", socialid.TOKEN_TTL),
    ("leadsquared", "forgotPassword", "temporary_password", leadsquared.TEMPORARY_PASSWORD_TTL),
    ("leadsquared", "signIn", "private_auth_key", leadsquared.PRIVATE_KEY_TTL),
]


@pytest.mark.parametrize(
    ("vendor", "operation_id", "what", "figure"), MOCK_FIGURES, ids=[f"{v}-{o}-{w}" for v, o, w, _ in MOCK_FIGURES]
)
def test_the_mock_issues_what_the_spec_says_for_as_long_as_it_says(
    vendor: str, operation_id: str, what: str, figure: float
) -> None:
    assert load_spec(vendor).operations[operation_id].lifetimes.get(what) == figure


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_every_lifetime_is_seconds_or_no_fixed_end(vendor: str) -> None:
    lifetimes = [value for operation in load_spec(vendor) for value in operation.lifetimes.values()]
    assert lifetimes and all(value is None or value > 0 for value in lifetimes)


def test_a_lifetime_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n"
        "      x-lifetimes: 3600\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="x-lifetimes"):
        load_spec("broken", path)
