"""The HTML the admin API serves to a browser: the inbox and the hosted reset pages. Server-rendered from the
templates beside this file, with a little inline script (no build step, no third-party code)."""

from __future__ import annotations

from .html import Page
from .inbox import inbox_page, opening_page
from .reset import reset_page

__all__ = ["Page", "inbox_page", "opening_page", "reset_page"]
