"""The store's small set of named exceptions."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for store failures."""


class WrongPassphrase(StoreError):
    """The passphrase does not open the encrypted database."""


class NotFoundError(StoreError):
    """A record with that id does not exist."""


class StoreLocked(StoreError):
    """The store is locked (auto-lock): the key is no longer held."""


class PermissionDenied(StoreError):
    """The current user may not do this (e.g. add a user without being allowed to)."""


class AlreadyStored(StoreError):
    """A row meant to be new (a case, a version) is stored already."""
