"""Typed readers for environment variables that fail loudly on bad values.

A typo in a deployment's environment must stop start-up with a message that names the variable,
not silently fall back to a default (healthchecks' ``hc/settings.py`` does the same).
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str | None:
    """A rate such as ``60/m`` (requests per second, minute, hour or day: ``s``, ``m``, ``h``, ``d``,
    optionally a number of them, ``100/15m``), or None for ``off``."""
    raw = os.environ.get(name, default).strip()
    if raw.lower() == "off":
        return None
    if not re.fullmatch(r"[1-9][0-9]*/[1-9]?[0-9]*[smhd]", raw):
        raise ImproperlyConfigured(f"{name} must be a rate such as 60/m, 30/h or 100/15m, or off, got {raw!r}")
    return raw
