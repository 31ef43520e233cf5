"""The desk tests' fixtures (a fresh store, a desk and a triagist session)."""

from tests.unit.test_desk import desk, store, triagist

__all__ = ["desk", "store", "triagist"]
