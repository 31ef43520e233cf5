"""The server key and the sealing of short secrets at rest (AES-256-GCM).

The web pages' TOTP secrets (`user_totp.secret`) and the minimal dataset's pseudonym keys
(`region_secrets.secret`) are stored sealed under a key that is not in the database, so a
backup or a read-only look at the database neither yields second-factor codes nor
re-identifies pseudonyms. A sealed value is ``v1:`` + URL-safe base64 of the 12-byte
nonce, the ciphertext and the 16-byte tag. The associated data names the row and its
purpose (`central_api.secrets_at_rest`), so a sealed value copied to another row does not
open there.

The key is 32 random bytes in base64 (``doorloop-central secret-key new`` prints one),
read from, in this order:

1. ``$DOORLOOP_CENTRAL_SECRET_KEY``;
2. the file named by ``$DOORLOOP_CENTRAL_SECRET_KEY_FILE``;
3. for a SQLite database file: the key file beside it (``<database>.key``), made with
   mode 0600 on first use, so the embedded default (`central_api.config`) just works;
   an in-memory SQLite database gets a key that lives as long as the process.

A PostgreSQL database without 1 or 2 is refused (`SecretKeyError`): a key made up by one
process would not be shared by the other workers and hosts.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import URL, make_url

ENV_SECRET_KEY = "DOORLOOP_CENTRAL_SECRET_KEY"
ENV_SECRET_KEY_FILE = "DOORLOOP_CENTRAL_SECRET_KEY_FILE"
PREFIX = "v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_SUFFIX = ".key"


class SecretKeyError(ValueError):
    """The server key is missing, malformed, or not the one the database's secrets were
    sealed with. The message names the setting to fix; the CLI exits 2 with it."""


def new_key_text() -> str:
    """A fresh key: base64 of 32 random bytes (for the environment or a key file)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str, source: str) -> bytes:
    """The 32 bytes of a base64 key (standard or URL-safe alphabet); `source` names where
    it came from in the error."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SecretKeyError(
            f"{source} is not a key: it must be the base64 of {KEY_BYTES} random bytes "
            "(make one with `doorloop-central secret-key new`)"
        )
    return key


@dataclass(frozen=True)
class SecretBox:
    """Seals and opens short text secrets under one key; `source` says where the key came
    from (for the error when a sealed value does not open)."""

    key: bytes
    source: str

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise SecretKeyError(f"{self.source}: the key must be {KEY_BYTES} bytes")

    def __repr__(self) -> str:  # never show the key
        return f"SecretBox(source={self.source!r})"

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)

    def seal(self, plain: str, context: bytes) -> str:
        """`plain` sealed for `context` (the row and purpose it belongs to)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(nonce, plain.encode("utf-8"), context)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str, context: bytes) -> str:
        """The plain text of a value sealed for `context`; `SecretKeyError` when it does
        not open (another key, another row, or changed)."""
        if not self.is_sealed(value):
            raise SecretKeyError(f"not a sealed value (no {PREFIX!r} prefix)")
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
            plain = AESGCM(self.key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)
        except (InvalidTag, binascii.Error, ValueError, UnicodeEncodeError):
            raise SecretKeyError(
                f"a sealed secret ({context.decode('utf-8', 'replace')}) does not open with "
                f"the key from {self.source}: set {ENV_SECRET_KEY} to the key this "
                "database's secrets were sealed with"
            ) from None
        return plain.decode("utf-8")


def _in_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def key_file_for(database_url: str | URL) -> Path | None:
    """The key file beside a SQLite database file; None for other databases (and for
    in-memory or ``file:`` URI SQLite databases)."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or _in_memory(url) or not database:
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(path.name + KEY_FILE_SUFFIX)


def _read_key_file(path: Path, source: str) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"{source}: cannot read the key file {path}: {exc}") from None
    return parse_key(text, f"{source} ({path})")


def _make_key_file(path: Path) -> None:
    """Write a new key to `path` (mode 0600) unless a key file is already there: written
    to a temporary file first and linked into place, so a reader never sees half a key
    and two first starts at once agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(new_key_text() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_box(database_url: str | URL) -> SecretBox:
    """The box for the database at `database_url`, its key found as the module doc says."""
    text = os.environ.get(ENV_SECRET_KEY, "").strip()
    file_name = os.environ.get(ENV_SECRET_KEY_FILE, "").strip()
    if text and file_name:
        raise SecretKeyError(f"set {ENV_SECRET_KEY} or {ENV_SECRET_KEY_FILE}, not both")
    if text:
        return SecretBox(parse_key(text, ENV_SECRET_KEY), ENV_SECRET_KEY)
    if file_name:
        return SecretBox(_read_key_file(Path(file_name), ENV_SECRET_KEY_FILE), ENV_SECRET_KEY_FILE)
    url = make_url(database_url)
    if _in_memory(url):
        return SecretBox(secrets.token_bytes(KEY_BYTES), "a key of this process only")
    path = key_file_for(url)
    if path is not None:
        if not path.exists():
            _make_key_file(path)
        return SecretBox(_read_key_file(path, "the key file"), f"the key file {path}")
    raise SecretKeyError(
        f"{ENV_SECRET_KEY} is not set: a {url.get_backend_name()} database needs the server "
        "key that seals the second-factor and pseudonym secrets, the same on every worker "
        "and host. Make one with `doorloop-central secret-key new`, keep it apart from the "
        f"database and its backups, and set {ENV_SECRET_KEY} (or {ENV_SECRET_KEY_FILE} to a "
        "file holding it)"
    )
