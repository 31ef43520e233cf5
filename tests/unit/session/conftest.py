"""The desk tests' desk and triagist sessions (the store is the project-wide fixture)."""

from tests.unit.test_desk import desk, triagist

__all__ = ["desk", "triagist"]
