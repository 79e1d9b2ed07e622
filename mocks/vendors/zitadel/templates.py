"""URL templates: the subset of Go's text/template ZITADEL's links use (field actions, comments, trim markers)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import fail

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FIELD = re.compile(r"^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


def render(template: str, data: Mapping[str, str]) -> str:
    """Render `{{.Field}}` from `data`; a template Go cannot parse (DOMAIN-oGh5e) or execute (DOMAIN-ieYa7) is a 400.

    ZITADEL renders every template once with placeholder values before it creates a code, so a bad template
    fails the request before anything changes.
    """
    parts: list[str] = []
    position = 0
    for match in _ACTION.finditer(template):
        parts.append(template[position : match.start()])
        position = match.end()
        inner = match.group(1)
        if inner.startswith("- "):
            parts[-1] = parts[-1].rstrip()
            inner = inner[2:]
        trim_after = inner.endswith(" -")
        inner = inner[:-2] if trim_after else inner
        if trim_after:
            rest = template[position:]
            position += len(rest) - len(rest.lstrip())
        if inner.startswith("/*") and inner.endswith("*/"):
            continue
        if inner.strip() == ".":
            parts.append("&{" + " ".join(data.values()) + "}")  # Go prints the *URLData struct itself
            continue
        field = _FIELD.match(inner)
        if field is None:
            raise fail(3, "DOMAIN-oGh5e", "URL Template is invalid")
        if field.group(1) not in data:
            raise fail(3, "DOMAIN-ieYa7", "URL Template is invalid")
        parts.append(data[field.group(1)])
    tail = template[position:]
    if "{{" in tail:
        raise fail(3, "DOMAIN-oGh5e", "URL Template is invalid")  # an action that is never closed
    parts.append(tail)
    return "".join(parts)


def confirm_url(template: str, *, user_id: str, code: str, org_id: str) -> str:
    """`domain.RenderConfirmURLTemplate`: password reset and e-mail verification links."""
    return render(template, {"UserID": user_id, "Code": code, "OrgID": org_id})


def otp_email_url(template: str, *, code: str, user_id: str, login_name: str, display_name: str, lang: str) -> str:
    """`domain.RenderOTPEmailURLTemplate`: the link in an OTP e-mail challenge."""
    data = {
        "Code": code,
        "UserID": user_id,
        "LoginName": login_name,
        "DisplayName": display_name,
        "PreferredLanguage": lang,
    }
    return render(template, data)
