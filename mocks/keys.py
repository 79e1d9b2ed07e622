"""Typed application keys (aiohttp AppKey) for what the app shares."""

from __future__ import annotations

from aiohttp import web

from .env import Env

ENV = web.AppKey("env", Env)
