"""What a team can shape of the mock's ZITADEL instance: the organisation's name, the branding colours, the password
complexity, expiry and lockout policies (not an OTP lockout: the mock counts no failed OTP checks). The
SettingsService and OrganizationService answer with these values, and the user and session services enforce them,
so a login app pointed at the mock shows and applies the team's policy.

Defaults are ZITADEL's own (its `defaults.yaml`: the default label, complexity, age and lockout policies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ...api import Call
from ...flows.passwords import PasswordPolicy, PasswordRule
from ...protocols import Customizable
from ..base import Customization
from .instance import NAME

BRANDING_COLOURS = {
    "primary_color": "#5469d4",
    "background_color": "#fafafa",
    "warn_color": "#cd3d56",
    "font_color": "#000000",
    "primary_color_dark": "#2073c4",
    "background_color_dark": "#111827",
    "warn_color_dark": "#ff3b5b",
    "font_color_dark": "#ffffff",
}
DEFAULTS: dict[str, Customizable] = {
    "org_name": "resetkit",
    **BRANDING_COLOURS,
    "password_min_length": 8,
    "password_requires_lowercase": True,
    "password_requires_uppercase": True,
    "password_requires_number": True,
    "password_requires_symbol": True,
    "password_max_age_days": 0,  # 0: passwords never expire
    "password_expire_warn_days": 0,
    "max_password_attempts": 0,  # 0: no lockout (ZITADEL's default)
}
_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def customized(call: Call) -> Mapping[str, Customizable]:
    """The seam to the team's values (start-up options and `/__admin/customizations/zitadel`)."""
    return call.ctx.customized(NAME)


def _check(values: Mapping[str, Customizable]) -> None:
    for name in BRANDING_COLOURS:
        if not _COLOUR.fullmatch(str(values[name])):
            raise ValueError(f"{name} is a colour like #5469d4 or #fff, not {values[name]!r}")
    if not str(values["org_name"]).strip():
        raise ValueError("org_name is empty")
    if int(values["password_min_length"]) < 1:
        raise ValueError("password_min_length is 1 or more")
    for name in ("password_max_age_days", "password_expire_warn_days", "max_password_attempts"):
        if int(values[name]) < 0:
            raise ValueError(f"{name} is 0 or more")


# ZITADEL's complexity policy: the length counts UTF-8 bytes and the character classes are ASCII, as in Go's `len`
# and `[a-z]`; checked in this order (internal/domain/policy_password_complexity.go).
def _contains(pattern: str) -> Callable[[str], bool]:
    return lambda password: re.search(pattern, password) is not None


def password_policy(values: Mapping[str, Customizable]) -> PasswordPolicy:
    """The complexity policy these values make: the one every password set through the mock must pass."""
    minimum = int(values["password_min_length"])
    rules: list[PasswordRule] = [
        ("min_length", lambda p: len(p.encode()) >= minimum, "DOMAIN-HuJf6", "Password is too short")
    ]
    classes = (
        ("password_requires_lowercase", "has_lower", "[a-z]", "DOMAIN-co3Xw", "Password must contain lower case"),
        ("password_requires_uppercase", "has_upper", "[A-Z]", "DOMAIN-VoaRj", "Password must contain upper case"),
        ("password_requires_number", "has_number", "[0-9]", "DOMAIN-ZBv4H", "Password must contain number"),
        ("password_requires_symbol", "has_symbol", "[^A-Za-z0-9]", "DOMAIN-ZDLwA", "Password must contain symbol"),
    )
    rules += [(rule, _contains(pattern), code, text) for name, rule, pattern, code, text in classes if values[name]]
    return PasswordPolicy(tuple(rules))


CUSTOMIZATION = Customization(DEFAULTS, password_policy=password_policy, check=_check)
