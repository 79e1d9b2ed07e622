"""`GET /__admin/inbox`: every e-mail and SMS, newest first, like a mail catcher; new ones arrive over SSE."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from .html import Page, json_for_html, new_nonce, render, security_headers

if TYPE_CHECKING:
    from ..env import Env
    from ..outbox import Message

_SAFE_LINK = re.compile(r"^(?!(?:javascript|data|vbscript):)[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def safe_href(link: str | None) -> str | None:
    """A link the page may make clickable: absolute, and no `javascript:` (callers choose ZITADEL's urlTemplate)."""
    return link if link and _SAFE_LINK.match(link) else None


def srcdoc(html: str) -> str:
    """The message's HTML for a sandboxed frame (no scripts); its links open in a new tab."""
    return '<base target="_blank">' + html


def message_item(message: Message) -> str:
    """One message as a `<details>` element; the page's script builds the same markup for live messages."""
    m = message.to_json()
    e = {k: escape(str(v)) if v is not None else "" for k, v in m.items()}
    href = safe_href(message.link)
    link = (
        f'<a class="link" href="{escape(href)}" target="_blank" rel="noopener noreferrer">{e["link"]}</a>'
        if href
        else f'<span class="link">{e["link"]}</span>'
    )
    html = (
        f'<h3>HTML</h3><iframe class="html" sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'title="HTML of message {e["id"]}" srcdoc="{escape(srcdoc(message.html))}"></iframe>'
        if message.html
        else ""
    )
    return (
        f'<li class="message" data-id="{e["id"]}" data-vendor="{e["vendor"]}" data-channel="{e["channel"]}" '
        f'data-to="{e["to"]}"><details><summary><time datetime="{e["created_at"]}">{e["created_at"]}</time> '
        f'<span class="vendor">{e["vendor"]}</span> <span class="channel">{e["channel"]}</span> '
        f'<span class="to">{e["to"]}</span> <span class="subject">{e["subject"]}</span></summary>'
        f'<div class="content"><dl><dt>From</dt><dd class="from">{e["from"]}</dd>'
        f"<dt>To</dt><dd>{e['to']}</dd>"
        + (f"<dt>Link</dt><dd>{link}</dd>" if message.link else "")
        + (f'<dt>Token</dt><dd><code class="token">{e["token"]}</code></dd>' if message.token else "")
        + f'</dl>{html}<h3>Text</h3><pre class="text">{e["text"]}</pre></div></details></li>'
    )


def _options(choices: list[str], selected: str | None, everything: str) -> str:
    items = [f'<option value="">{everything}</option>']
    items += [
        f'<option value="{escape(c)}"{" selected" if c == selected else ""}>{escape(c)}</option>' for c in choices
    ]
    return "".join(items)


def inbox_page(env: Env, messages: list[Message], total: int, query: Mapping[str, Any]) -> Page:
    """The page for the newest `messages` of `total` matching the filters in `query` (vendor, to, channel)."""
    nonce = new_nonce()
    filters = {k: str(query[k]) for k in ("vendor", "to", "channel") if query.get(k)}
    config = {
        "stream": "outbox/stream",
        "outbox": "outbox",
        "filters": filters,
        "newest": messages[0].id if messages else "0",
    }
    shown = f"{total} message{'s' if total != 1 else ''}" + (
        f", newest {len(messages)} shown" if total > len(messages) else ""
    )
    text = render(
        "inbox.html",
        nonce=nonce,
        vendor_options=_options(list(env.settings.vendors), filters.get("vendor"), "all vendors"),
        channel_options=_options(["email", "sms"], filters.get("channel"), "e-mail and SMS"),
        to=escape(filters.get("to", "")),
        count=escape(shown),
        messages="".join(message_item(m) for m in messages),
        config=json_for_html(config),
    )
    return Page(text, security_headers(nonce, framing="'self'"))


def opening_page(location: str) -> Page:
    """What the inbox link answers once its token became a cookie: a page that goes on to `location` by itself.

    Not an HTTP redirect: after a link on another site, a browser sends no SameSite=Strict cookie along a redirect
    chain that site started, but it does on a navigation the mock's own page starts.
    """
    href = escape(location)
    text = (
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={href}">'
        f'<title>resetkit inbox</title><p>Opening <a href="{href}">the inbox</a>…</p>'
    )
    return Page(text, security_headers(new_nonce(), framing="'none'"))
