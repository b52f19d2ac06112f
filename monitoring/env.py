"""Read settings from the environment, failing loudly on values that make no sense.

Kept free of Django imports so that settings.py can use it before Django is configured.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def read_env_file(base_dir: Path) -> None:
    """Set the variables that the real environment leaves unset from a local file: a developer's .env.

    ENV_FILE names the file (relative to base_dir, or absolute); unset, it is base_dir/.env, which may be absent
    (production has none); empty, no file is read. A variable already set, even to "", keeps its value, and
    values are taken as written (no ${...} expansion).
    """
    named = os.environ.get("ENV_FILE")
    if named is not None and not named.strip():
        return
    path = base_dir / (named or ".env")
    if not path.is_file():
        if named is None:
            return
        raise ImproperlyConfigured(f"ENV_FILE names {str(path)!r}, which is not a file.")
    load_dotenv(path, override=False, interpolate=False)


def env_str(name: str, default: str = "") -> str:
    """Return the variable's value, or the default when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean; refuse anything but the usual words for true and false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    """Return a whole number; refuse text that is not one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list, without blanks."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
