"""The app's secret (it derives the badge signing key and signs visit tokens).

Production must be given one (PAVILION_SECRET_KEY) and refuses a guessable one. Demo,
development and test installs that are not given one make their own once: random, written to
a file of the install's data directory readable by its owner only, and read from there on every
later start, so two installs never share a secret and one install keeps its own across restarts.
There is no built-in default anywhere.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_LENGTH = 32
MIN_DISTINCT = 10
# Placeholders people paste from examples; refused whatever their length.
KNOWN_DEFAULTS = frozenset(
    {
        "insecure-demo-secret-change-me",
        "change-me",
        "changeme",
        "secret",
        "your-secret-key",
        "please-change-this-secret",
    }
)


def weakness(secret: str) -> str | None:
    """Why `secret` is too easy to guess for production, or None if it is not."""
    if secret.strip().lower() in KNOWN_DEFAULTS or "change-me" in secret.lower():
        return "is a known placeholder"
    if len(secret) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(secret)) < MIN_DISTINCT:
        return f"has fewer than {MIN_DISTINCT} distinct characters"
    if secret in (secret + secret)[1:-1]:
        return "repeats a shorter pattern"
    return None


def install_secret(path: Path) -> str:
    """This install's own secret, kept in `path` (mode 0600): read when it is there, made and
    written once when it is not. Two processes starting together agree: the file appears whole
    (linked into place from a private temporary file) and the later one reads the earlier's."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process of this install was first: its secret stands
    finally:
        draft.unlink()
    return _read(path)


def _read(path: Path) -> str:
    secret = path.read_text().strip()
    if not secret:
        raise ValueError(f"{path} is empty: delete it to have a new secret made")
    return secret
