"""The password policy for central accounts (NCSC guidance: length and a deny list).

A password needs at least 12 characters (at most 1000, what a login accepts) and may not
be a commonly used one: not on the deny list (`common-passwords.txt.gz`, the 20,000 most
common passwords as shipped with Django (BSD licence), compiled by Royce Williams), not
such a password with digits or punctuation around it (``welkom2026!``), not the user name,
not a short unit repeated, and not a run along the alphabet, the digits or a keyboard
row. No composition rules (NCSC: they make passwords
predictable, not strong).

`check_password` raises `PasswordRefused`, a ValueError whose message names the field
in Dutch and English, as the admin commands print it.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 1000
FIELD = "password"

_AROUND = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.DOTALL)
_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)
_RUNS = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz" * 2,
    "qwertyuiopasdfghjklzxcvbnm" * 2,
    "azertyuiopqsdfghjklmwxcvbn" * 2,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2,
)


class PasswordRefused(ValueError):
    """The password does not meet the policy; the message names the field."""

    def __init__(self, dutch: str, english: str) -> None:
        super().__init__(f"{FIELD}: {dutch} / {english}")
        self.field = FIELD


@cache
def common_passwords() -> frozenset[str]:
    """The deny list, lower-cased."""
    data = resources.files("central_api").joinpath("common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip())


def is_common(password: str, username: str | None = None) -> bool:
    """True for a deny-listed password, one with digits/punctuation around it, the user
    name (also with digits around it), a short unit or a common
    password repeated (``abcabcabcabc``, ``welkomwelkom``) or a
    run along the alphabet, the digits or a keyboard row (``123456789012``)."""
    folded = password.casefold()
    core = _AROUND.match(folded)
    stem = core.group(1) if core else folded
    denied = common_passwords()
    if folded in denied or (stem and stem in denied):
        return True
    if username and username.strip().casefold() in {folded, stem}:
        return True
    repeated = _REPEATED.fullmatch(stem or folded)
    if len(set(folded)) <= 2 or (
        repeated and (len(repeated.group(1)) <= 4 or repeated.group(1) in denied)
    ):
        return True
    return any(folded in run or folded in run[::-1] for run in _RUNS)


def check_password(password: str, username: str | None = None) -> None:
    """Raise `PasswordRefused` unless `password` meets the policy."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(
            f"het wachtwoord moet minstens {MIN_LENGTH} tekens hebben",
            f"the password needs at least {MIN_LENGTH} characters",
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(
            f"het wachtwoord mag hoogstens {MAX_LENGTH} tekens hebben",
            f"the password may have at most {MAX_LENGTH} characters",
        )
    if "\x00" in password:
        raise PasswordRefused(
            "het wachtwoord bevat een ongeldig teken", "the password contains an invalid character"
        )
    if is_common(password, username):
        raise PasswordRefused(
            "dit wachtwoord wordt te vaak gebruikt of is te voorspelbaar; kies een langere zin",
            "this password is too common or too predictable; choose a longer phrase",
        )
