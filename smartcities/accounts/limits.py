"""Sign-in throttling: failed sign-ins counted per (account, address), per address and per account.

The rule, so that an attacker elsewhere can never lock an official out:
- an address that has failed LOGIN_RATE_LIMIT times on one account may not try that account again for now;
- an address that has failed LOGIN_ADDRESS_RATE_LIMIT times (any accounts; empty = LOGIN_RATE_LIMIT) may not
  try any account for now;
- once an account has failed LOGIN_ACCOUNT_RATE_LIMIT times from all addresses together (a spread-out attack),
  every address that has already failed on it must wait; an address that has not may still try. So the attack
  slows to one guess per fresh address while the owner, from an address that has not failed, still gets in.
Only wrong passwords count; the counters live in the rate-limit storage (Redis in production, shared by the
workers) under RATELIMIT_KEY_PREFIX, next to Flask-Limiter's own.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse

from smartcities.extensions import limiter


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is refused before the password is checked, and for how many seconds."""

    scope: str           # "account_address" | "address" | "account"
    retry_after: int     # seconds until the counter that refused it starts again


def _item(setting: str) -> RateLimitItem:
    config = current_app.config
    value = config.get(setting) or config["LOGIN_RATE_LIMIT"]
    return parse(value)


def _account(email: str) -> str:
    """A digest of the normalised e-mail address: no personal data, and no odd characters, in storage keys."""
    return hashlib.blake2b(email.strip().lower().encode(), digest_size=16).hexdigest()


def _counters(email: str, address: str) -> dict[str, tuple[RateLimitItem, tuple[str, ...]]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "ascn"
    account = _account(email)
    return {
        "account_address": (_item("LOGIN_RATE_LIMIT"), (prefix, "login-account-address", account, address)),
        "address": (_item("LOGIN_ADDRESS_RATE_LIMIT"), (prefix, "login-address", address)),
        "account": (_item("LOGIN_ACCOUNT_RATE_LIMIT"), (prefix, "login-account", account)),
    }


def _retry_after(item: RateLimitItem, keys: tuple[str, ...]) -> int:
    reset = limiter.limiter.get_window_stats(item, *keys).reset_time
    return max(1, math.ceil(reset - time.time()))


def refusal(email: str, address: str) -> Refusal | None:
    """The reason to refuse this attempt without checking the password, or None to let it through."""
    counters = _counters(email, address)
    strategy = limiter.limiter
    for scope in ("account_address", "address"):
        item, keys = counters[scope]
        if not strategy.test(item, *keys):
            return Refusal(scope, _retry_after(item, keys))
    item, keys = counters["account"]
    if not strategy.test(item, *keys):
        pair_item, pair_keys = counters["account_address"]
        failed_here = strategy.get_window_stats(pair_item, *pair_keys).remaining < pair_item.amount
        if failed_here:
            return Refusal("account", min(_retry_after(item, keys), _retry_after(pair_item, pair_keys)))
    return None


def record_failure(email: str, address: str) -> None:
    """Count a wrong password for this account from this address."""
    for item, keys in _counters(email, address).values():
        limiter.limiter.hit(item, *keys)



def first_refusal(refused: Refusal, email: str, address: str) -> bool:
    """True for the first refusal of its kind for this account and address within the refusing limit's window:
    the security log records that one, so a flood of refused attempts does not flood the log as well."""
    window = _counters(email, address)[refused.scope][0].get_expiry()
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "ascn"
    return limiter.limiter.hit(parse(f"1 per {window} second"), prefix, "login-refusal-logged", refused.scope,
                               _account(email), address)
