"""The wire models' text check: one scan of a push body may stand in for the per-field check."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from doorloop_protocol import TEXT_CHECKED, VersionItem, check_text, json_text_is_storable

# Text that includes NUL, lone surrogates, surrogate pairs, backslashes and 'u0000'.
awkward_text = st.lists(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\x00", "\ud800", "\udfff", "\\", "u0000", "😀", "é"]),
    ),
    max_size=8,
).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | awkward_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(awkward_text, inner, max_size=4),
    max_leaves=12,
)


@given(json_values, st.booleans())
def test_a_clean_scan_means_every_string_is_storable(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate cannot even be sent as UTF-8
    if json_text_is_storable(raw):
        assert check_text(value) is None


def _version(first_name: str) -> dict[str, Any]:
    now = "2026-11-23T03:12:00+01:00"
    return {
        "version_id": "0b6c6f1e-6d8e-4d55-9f4e-3a0b1c2d3e4f",
        "case_id": "1b6c6f1e-6d8e-4d55-9f4e-3a0b1c2d3e4f",
        "form": {"id": "intake", "version": "1"},
        "status": "draft",
        "answers": {"youth.first_name": first_name},
        "region": "demo",
        "created_at": now,
        "updated_at": now,
        "device_time": now,
        "created_by": "anna",
        "device_id": "2b6c6f1e-6d8e-4d55-9f4e-3a0b1c2d3e4f",
    }


def test_a_nul_is_caught_by_the_scan_so_the_field_check_still_runs() -> None:
    raw = json.dumps(_version("S\x00m")).encode()
    assert not json_text_is_storable(raw)
    assert json_text_is_storable(json.dumps(_version("Sem")).encode())


def test_the_flag_only_skips_the_check_it_stands_in_for() -> None:
    # With the flag the NUL check is skipped (the caller vouched for the text) ...
    skipped = VersionItem.model_validate(_version("S\x00m"), context={TEXT_CHECKED: True})
    assert skipped.answers["youth.first_name"] == "S\x00m"
    # ... and every other rule still applies.
    bad = _version("Sem") | {"status": "unknown"}
    with pytest.raises(ValidationError, match="status"):
        VersionItem.model_validate(bad, context={TEXT_CHECKED: True})
