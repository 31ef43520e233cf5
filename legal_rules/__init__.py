"""Consent and authorization rules as dated data, and the engine that evaluates them."""
