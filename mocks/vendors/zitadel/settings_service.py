"""SettingsService: the instance-wide settings a login app reads, one implementation per RPC for every wire.

Every answer is the instance's settings (`RESOURCE_OWNER_TYPE_INSTANCE`): the mock's one organization has no
settings of its own, so a request context naming it (or any other) gets the instance's, as ZITADEL falls back to
them. Values are ZITADEL's defaults where the mock behaves so, else what the mock does: no identity providers,
passkeys or U2F (so neither is offered), no registration page, no MFA set-up prompt (`mfaInitSkipLifetime`
unset); the complexity, expiry, lockout and branding values are the team's (`customization.py`), the ones the mock
enforces. Responses are written as protojson writes them: zero values are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ...api import Call, Reply
from ...protocols import Customizable
from .customization import customized
from .instance import INSTANCE_ID, ORG_ID
from .listing import list_details
from .protojson import timestamp

INSTANCE = "RESOURCE_OWNER_TYPE_INSTANCE"
# ZITADEL's default login policy lifetimes (defaults.yaml): 240 h, 240 h, 18 h, 12 h.
PASSWORD_CHECK_LIFETIME = "864000s"
EXTERNAL_LOGIN_CHECK_LIFETIME = "864000s"
SECOND_FACTOR_CHECK_LIFETIME = "64800s"
MULTI_FACTOR_CHECK_LIFETIME = "43200s"
# The second factors the mock can check: TOTP (imported secrets), OTP by SMS and by e-mail.
SECOND_FACTORS = ["SECOND_FACTOR_TYPE_OTP", "SECOND_FACTOR_TYPE_OTP_EMAIL", "SECOND_FACTOR_TYPE_OTP_SMS"]
DEFAULT_LANGUAGE = "en"
# The languages ZITADEL ships translations for (internal/static/i18n).
SUPPORTED_LANGUAGES = ["bg", "cs", "de", "en", "es", "fr", "hu", "id", "it", "ja", "ko", "mk", "nl", "pl", "pt",
                       "ro", "ru", "sv", "tr", "uk", "zh"]  # fmt: skip


def _without_zeros(message: Mapping[str, Any]) -> dict[str, Any]:
    """protojson leaves out scalar fields with their zero value (false, 0, "", empty lists)."""
    return {key: value for key, value in message.items() if value not in (False, 0, "0", "", [], None)}


def _details(call: Call) -> dict[str, Any]:
    return {"sequence": "1", "changeDate": timestamp(call.now), "resourceOwner": INSTANCE_ID}


def _settings(call: Call, settings: Mapping[str, Any]) -> Reply:
    return Reply(200, {"details": _details(call), "settings": _without_zeros(settings)})


def login_settings(call: Call) -> Reply:
    return _settings(
        call,
        {
            "allowUsernamePassword": True,
            "allowRegister": False,
            "allowExternalIdp": False,
            "forceMfa": False,
            # passkeysType: PASSKEYS_TYPE_NOT_ALLOWED, the enum's zero, so left out
            "passwordCheckLifetime": PASSWORD_CHECK_LIFETIME,
            "externalLoginCheckLifetime": EXTERNAL_LOGIN_CHECK_LIFETIME,
            "secondFactorCheckLifetime": SECOND_FACTOR_CHECK_LIFETIME,
            "multiFactorCheckLifetime": MULTI_FACTOR_CHECK_LIFETIME,
            "secondFactors": SECOND_FACTORS,
            "allowDomainDiscovery": True,
            "resourceOwnerType": INSTANCE,
        },
    )


def _theme(values: Mapping[str, Customizable], suffix: str) -> dict[str, Any]:
    return {
        "primaryColor": values[f"primary_color{suffix}"],
        "backgroundColor": values[f"background_color{suffix}"],
        "warnColor": values[f"warn_color{suffix}"],
        "fontColor": values[f"font_color{suffix}"],
    }


def branding_settings(call: Call) -> Reply:
    values = customized(call)
    branding = {"lightTheme": _theme(values, ""), "darkTheme": _theme(values, "_dark"), "resourceOwnerType": INSTANCE}
    return _settings(call, branding)


def password_complexity_settings(call: Call) -> Reply:
    values = customized(call)
    complexity = {
        "minLength": str(values["password_min_length"]),
        "requiresUppercase": values["password_requires_uppercase"],
        "requiresLowercase": values["password_requires_lowercase"],
        "requiresNumber": values["password_requires_number"],
        "requiresSymbol": values["password_requires_symbol"],
        "resourceOwnerType": INSTANCE,
    }
    return _settings(call, complexity)


def password_expiry_settings(call: Call) -> Reply:
    values = customized(call)
    expiry = {
        "maxAgeDays": str(values["password_max_age_days"]),
        "expireWarnDays": str(values["password_expire_warn_days"]),
        "resourceOwnerType": INSTANCE,
    }
    return _settings(call, expiry)


def lockout_settings(call: Call) -> Reply:
    values = customized(call)
    lockout = {
        "maxPasswordAttempts": str(values["max_password_attempts"]),
        "resourceOwnerType": INSTANCE,
    }
    return _settings(call, lockout)


def legal_and_support_settings(call: Call) -> Reply:
    return _settings(call, {"resourceOwnerType": INSTANCE})


def security_settings(call: Call) -> Reply:
    # No embedding in iframes and no impersonation: both off, so the embedded message is empty.
    return _settings(call, {"embeddedIframe": {}})


def general_settings(call: Call) -> Reply:
    general = {"defaultOrgId": ORG_ID, "defaultLanguage": DEFAULT_LANGUAGE, "supportedLanguages": SUPPORTED_LANGUAGES}
    return Reply(200, general)


def active_identity_providers(call: Call) -> Reply:
    return Reply(200, {"details": list_details(0, call.now)})  # the mock has no identity providers


def hosted_login_translation(call: Call) -> Reply:
    """No custom texts at any level: the login app's own translations apply."""
    translations: dict[str, Any] = {}
    etag = hashlib.md5(b"{}", usedforsecurity=False).hexdigest()
    return Reply(200, {"etag": etag, "translations": translations})


# Every RPC reads only its request context (or nothing), so REST and Connect share the handlers.
HANDLERS = {
    "getLoginSettings": login_settings,
    "getBrandingSettings": branding_settings,
    "getPasswordComplexitySettings": password_complexity_settings,
    "getPasswordExpirySettings": password_expiry_settings,
    "getLockoutSettings": lockout_settings,
    "getLegalAndSupportSettings": legal_and_support_settings,
    "getSecuritySettings": security_settings,
    "getGeneralSettings": general_settings,
    "getActiveIdentityProviders": active_identity_providers,
    "getHostedLoginTranslation": hosted_login_translation,
}
HANDLERS |= {f"connect{name[0].upper()}{name[1:]}": handler for name, handler in list(HANDLERS.items())}
