"""Password hashing and the vendors' password policies, as pure functions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass


def hash_password(password: str, salt: str | None = None) -> str:
    """Salted SHA-256: the mock is no vault, but it never keeps a password it could leak back (SR-12)."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return f"{salt}${digest}"


def verify_password(password: str, hashed: str) -> bool:
    salt, _, digest = hashed.partition("$")
    candidate = hashlib.sha256((salt + password).encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)


@dataclass(frozen=True, slots=True)
class PolicyViolation:
    """The first rule a password breaks: a vendor-neutral `rule` plus the vendor's own id and message."""

    rule: str
    code: str
    message: str


PasswordRule = tuple[str, Callable[[str], bool], str, str]


def rails_min_length(minimum: int) -> PasswordRule:
    """A Rails length validation (Placewise and Social ID are Rails apps): `too_short`, "is too short (minimum is
    N characters)"."""
    message = f"is too short (minimum is {minimum} characters)"
    return ("min_length", lambda password: len(password) >= minimum, "too_short", message)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Rules checked in order; the first failure wins (ZITADEL documents this order)."""

    rules: tuple[PasswordRule, ...]

    def first_violation(self, password: str) -> PolicyViolation | None:
        for rule, passes, code, message in self.rules:
            if not passes(password):
                return PolicyViolation(rule, code, message)
        return None
