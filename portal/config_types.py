"""Types and checks of the configuration table (``portal/config.py``), and how values are shown.

A type turns the environment's text into a value, or raises a ValueError saying what was
expected; a check takes a value and returns None, or what the value must be.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

MASK = "********"

# -- types: the environment's text -> a value (a ValueError says what was expected) ------------
_SIZE = re.compile(r"^(\d+)\s*([kmg]i?b|b)?$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9,
               "kib": 2**10, "mib": 2**20, "gib": 2**30}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh]?)$", re.IGNORECASE)
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def size(text: str) -> int:
    match = _SIZE.match(text)
    if not match:
        raise ValueError("a size in bytes, or with a unit: 5MiB, 64 MiB, 1GB")
    return int(match[1]) * _SIZE_UNITS[(match[2] or "").lower()]


def duration(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise ValueError("seconds, or a number with s, m or h: 90, 1.5s, 10m")
    return float(match[1]) * _DURATION_UNITS[match[2].lower()]


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("a whole number") from None


def url(text: str) -> str:
    if not urlsplit(text).scheme or "://" not in text:
        raise ValueError("a URL, scheme://...")
    return text[:-1] if urlsplit(text).path == "/" else text  # https://host/ is https://host


KINDS: dict[str, Callable[[str], Any]] = {
    "str": str, "path": str, "int": whole_number, "size": size, "duration": duration, "url": url,
    "list": lambda text: tuple(item.strip() for item in text.split(",") if item.strip()),
}


# -- checks: a value -> None, or what it must be ------------------------------------------------
def one_of(*choices: str):
    return lambda value: None if value in choices else "one of " + ", ".join(choices)


def at_least(low: float, shown: str | None = None):
    return lambda value: None if value >= low else "at least %s" % (shown or low)


def schemes(*names: str):
    return lambda value: (None if urlsplit(value).scheme in names
                          else "a URL starting with " + " or ".join(n + "://" for n in names))


def rate_limit(value: str) -> str | None:
    try:
        parse_many(value)
    except ValueError:
        return "a rate limit such as '10 per 15 minutes'"
    return None


# -- showing -------------------------------------------------------------------------------------
def human_size(count: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count and count % factor == 0:
            return "%d %s" % (count // factor, unit)
    return "%d B" % count


def without_password(address: str) -> str:
    parts = urlsplit(address)
    if parts.password is None:
        return address
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc="%s:%s@%s" % (user.partition(":")[0], MASK, host)).geturl()
