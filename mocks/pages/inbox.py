"""`GET /__admin/inbox`: every e-mail and SMS, newest first, like a mail catcher; new ones arrive over SSE.

The page is rendered in the browser from the JSON it carries (one renderer for the first messages and the live
ones), by the template's own script: no build step, no third-party code, and no message text is ever parsed as
markup. An e-mail's HTML is shown in a sandboxed frame that runs no script.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .html import FAVICON, Page, json_for_html, new_nonce, render, security_headers

if TYPE_CHECKING:
    from ..env import Env
    from ..outbox import Message

FILTERS = ("vendor", "to", "channel")


def _chips(vendors: list[str], query: str) -> str:
    """Shortcuts that search for one vendor's messages, the SMS or the unread ones."""
    searches = [*((vendor, f"vendor:{vendor}") for vendor in vendors), ("SMS", "is:sms"), ("unread", "is:unread")]
    chips = []
    for label, search in searches:
        href = f"inbox?{urlencode({'query': search})}"
        current = ' aria-current="true"' if search == query.strip() else ""
        chips.append(f'<a class="chip" href="{escape(href)}"{current}>{escape(label)}</a>')
    return "".join(chips)


def inbox_page(
    env: Env, messages: list[Message], total: int, query: Mapping[str, Any], opened: Message | None = None
) -> Page:
    """The page for the newest `messages` of `total` matching the search and filters in `query`; `opened` is shown."""
    nonce = new_nonce()
    filters = {k: str(query[k]) for k in FILTERS if query.get(k)}
    search = str(query.get("query") or "")
    newest = env.outbox.latest()
    config = {
        "messages": [m.to_json() for m in messages],
        "total": total,
        "query": search,
        "filters": filters,
        "opened": opened.to_json() if opened is not None else None,
        "newest": newest.id if newest is not None else "0",
        "outbox": "outbox",
        "stream": "outbox/stream",
        "mailpit": "mailpit/api/v1/message/",
    }
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in filters.items())
    text = render(
        "inbox.html",
        nonce=nonce,
        favicon=FAVICON,
        query=escape(search),
        hidden_filters=hidden,
        count=escape(f"{total} message{'s' if total != 1 else ''}"),
        chips=_chips(list(env.settings.vendors), search),
        show_all='<a class="show-all" href="inbox">show all</a>' if search or filters else "",
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
