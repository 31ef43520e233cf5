"""The key slots' derivation (desktop.store.slot_kdf) calls Argon2's C binding directly
to start faster; every slot ever written was derived with argon2-cffi's
``hash_secret_raw``, so the two must give the same key for any passphrase, salt and
parameters, or a desk worker is locked out of their own store."""

from __future__ import annotations

import pytest
from argon2.low_level import Type, hash_secret_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.store.errors import StoreError
from desktop.store.slot_kdf import KEY_BYTES, derive


@settings(max_examples=60, deadline=None)
@given(
    passphrase=st.text(min_size=0, max_size=40),
    salt=st.binary(min_size=8, max_size=32),
    time_cost=st.integers(1, 3),
    memory_kib=st.integers(8, 256),
    parallelism=st.integers(1, 4),
)
def test_the_key_is_argon2_cffis_argon2id(
    passphrase: str, salt: bytes, time_cost: int, memory_kib: int, parallelism: int
) -> None:
    memory_cost = max(memory_kib, 8 * parallelism)  # Argon2's own minimum
    kdf = {
        "type": "argon2id",
        "salt": salt.hex(),
        "time_cost": time_cost,
        "memory_cost": memory_cost,
        "parallelism": parallelism,
    }
    expected = hash_secret_raw(
        passphrase.encode("utf-8"), salt, time_cost, memory_cost, parallelism, KEY_BYTES, Type.ID
    )
    assert derive(passphrase, kdf) == expected


def test_a_slots_known_key_is_derived_unchanged() -> None:
    """A fixed vector (computed with argon2-cffi 25.1): a slot written by any earlier
    version must still open."""
    kdf = {
        "salt": "00112233445566778899aabbccddeeff",
        "time_cost": 3,
        "memory_cost": 1024,
        "parallelism": 4,
    }
    assert derive("correct horse battery", kdf).hex() == (
        "ff70bfd3045aff227706e444ab4dc81227de2cf97231f1c5846f901fbd79781a"
    )


def test_parameters_argon2_refuses_give_a_store_error_not_a_crash() -> None:
    kdf = {"salt": "00" * 16, "time_cost": 1, "memory_cost": 1, "parallelism": 1}
    with pytest.raises(StoreError, match="Memory cost is too small"):
        derive("een wachtwoordzin", kdf)
