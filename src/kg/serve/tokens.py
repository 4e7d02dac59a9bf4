"""Who may write: named bearer tokens, kept as a JSON file of name -> sha256 of the token.

``kg token add NAME`` makes a token, prints it once and keeps only its hash, so the file
gives nobody a token and each publish is recorded with the name of the token that made it
(:mod:`kg.build.changes`). The hash is plain SHA-256, not a slow password hash: the tokens
are 256 random bits (:func:`secrets.token_urlsafe`), which no dictionary guesses. The
``KG_WRITE_TOKEN`` environment variable still works, as the token named ``KG_WRITE_TOKEN``.

>>> import tempfile
>>> tokens = TokenFile(Path(tempfile.mkdtemp()) / "tokens.json")
>>> secret = tokens.add("tehran-secretariat")
>>> tokens.name_of(secret), tokens.name_of("guess")
('tehran-secretariat', None)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

from kg.settings import Settings

#: A token's name: it appears in the changes graph and in IRIs (``<base>/id/agent/<name>``).
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENVIRONMENT_TOKEN = "KG_WRITE_TOKEN"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenFile:
    """The named tokens kept in ``path`` (read again whenever the file changes, so a token
    added while a server runs works at once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read_at: float | None = None
        self._hashes: dict[str, str] = {}

    def hashes(self) -> dict[str, str]:
        """Name -> sha256 of the token."""
        try:
            modified = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if modified != self._read_at:
            self._hashes = json.loads(self.path.read_text(encoding="utf-8"))
            self._read_at = modified
        return dict(self._hashes)

    def add(self, name: str) -> str:
        """A new token named ``name`` (replacing one of that name); only its hash is kept."""
        if not TOKEN_NAME.fullmatch(name):
            raise ValueError(
                f"{name!r} cannot name a token: use letters, digits, '.', '_' and '-' (up to 64)"
            )
        token = secrets.token_urlsafe(32)
        self._write({**self.hashes(), name: _digest(token)})
        return token

    def remove(self, name: str) -> bool:
        hashes = self.hashes()
        if hashes.pop(name, None) is None:
            return False
        self._write(hashes)
        return True

    def name_of(self, token: str) -> str | None:
        """The name of ``token`` if it is one of these, else ``None`` (compared in constant
        time, every name tried, so the time taken says nothing about the token)."""
        digest = _digest(token)
        found = None
        for name, expected in self.hashes().items():
            if hmac.compare_digest(digest, expected):
                found = name
        return found

    def _write(self, hashes: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(hashes.items())), handle, indent=2)
        os.replace(temporary, self.path)


class WriteTokens:
    """Every token that may write here: the named ones and ``KG_WRITE_TOKEN``."""

    def __init__(self, settings: Settings) -> None:
        self._file = TokenFile(settings.tokens_file)
        self._environment = settings.write_token

    @property
    def any(self) -> bool:
        """Whether any token may write (else the server is read-only)."""
        return self._environment is not None or bool(self._file.hashes())

    def name_of(self, token: str) -> str | None:
        """Who ``token`` is, or ``None`` if it may not write."""
        name = self._file.name_of(token)
        if self._environment is not None and hmac.compare_digest(
            token.encode(), self._environment.get_secret_value().encode()
        ):
            name = ENVIRONMENT_TOKEN
        return name
