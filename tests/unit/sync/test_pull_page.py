"""Reading pull pages and measuring JSON within limits (doorloop_protocol.pages/limits):
whatever the server sends, the desk reads every good change and names every bad one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorloop_protocol.limits import (
    JsonLimitError,
    depth_exceeds,
    load_bounded,
    split_top_level,
)
from doorloop_protocol.pages import PageUnreadable, read_pull_page

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{},: é'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='k"[]{}\\', max_size=3), inner, max_size=3)
    ),
    max_leaves=20,
)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values, limit=st.integers(min_value=0, max_value=8))
def test_depth_is_measured_like_the_nesting_of_the_value(value: Any, limit: int) -> None:
    raw = json.dumps(value).encode()
    assert depth_exceeds(raw, limit) == (depth_of(value) > limit)


@settings(max_examples=300, deadline=None)
@given(value=st.lists(json_values, max_size=5) | st.dictionaries(st.text(), json_values))
def test_top_level_split_gives_each_member_as_its_own_json(value: Any) -> None:
    kind, members = split_top_level(json.dumps(value).encode())
    if isinstance(value, list):
        assert kind == "array"
        assert [json.loads(m.raw) for m in members] == value
    else:
        assert kind == "object"
        assert {m.key: json.loads(m.raw) for m in members} == value


@pytest.mark.parametrize("depth", [33, 1000, 200_000])
def test_bounded_loading_refuses_deep_text_without_recursing(depth: int) -> None:
    with pytest.raises(JsonLimitError, match="nested deeper"):
        load_bounded(b"[" * depth + b"]" * depth)


def test_bounded_loading_refuses_nan_and_infinity() -> None:
    for text in (b"[NaN]", b'{"a": Infinity}', b"-Infinity"):
        with pytest.raises(JsonLimitError, match="not a JSON number"):
            load_bounded(text)


def provider_change(seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "provider",
        "id": f"p{seq}",
        "data": {"id": f"p{seq}", "region": "noord", "name": f"Aanbieder {seq}"},
    }


BAD_CHANGES = [
    '{"seq": 0, "kind": "provider", "id": "diep", "data": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"seq": 0, "kind": "case_state", "id": "nan", "data": {"x": NaN}}',
    '{"seq": 0, "kind": "onbekend", "id": "raar", "data": {}}',
    "[1, 2]",
    "12",
    '"tekst"',
    '{"seq": 0, "kind": "provider", "id": "nul", "data": {"id": "p", "region": "r", '
    '"name": "a\\u0000b"}}',
]


@settings(max_examples=100, deadline=None)
@given(
    good=st.integers(min_value=0, max_value=6),
    bad=st.lists(st.sampled_from(BAD_CHANGES), max_size=4),
    data=st.data(),
)
def test_a_page_gives_every_readable_change_and_names_the_rest(
    good: int, bad: list[str], data: st.DataObject
) -> None:
    texts = [json.dumps(provider_change(seq)) for seq in range(1, good + 1)]
    for poison in bad:
        texts.insert(data.draw(st.integers(min_value=0, max_value=len(texts))), poison)
    raw = f'{{"changes": [{", ".join(texts)}], "next_since": 99, "has_more": true}}'.encode()
    page = read_pull_page(raw)
    assert [c.id for c in page.changes] == [f"p{seq}" for seq in range(1, good + 1)]
    assert len(page.unreadable) == len(bad)
    assert all(u.problem for u in page.unreadable)
    assert (page.next_since, page.has_more) == (99, True)


def test_an_unreadable_change_is_described_by_what_can_be_read_of_it() -> None:
    raw = (
        '{"changes": [{"seq": 7, "kind": "case_version", "id": "v-1", "data": '
        + '{"answers": '
        + '{"d": ' * 300
        + "1"
        + "}" * 300
        + "}}], "
        + '"next_since": 7, "has_more": false}'
    ).encode()
    page = read_pull_page(raw)
    assert page.changes == []
    [unreadable] = page.unreadable
    assert (unreadable.seq, unreadable.kind, unreadable.id) == (7, "case_version", "v-1")
    assert "nested deeper" in unreadable.problem


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b'{"changes": [',  # cut short on the way
        b'{"changes": [], "has_more": false}',  # no cursor
        b'{"changes": [], "next_since": null, "has_more": false}',
        b'{"changes": {}, "next_since": 7, "has_more": false}',
        b"[" * 100_000,
    ],
)
def test_a_page_without_a_usable_envelope_is_unreadable_as_a_whole(raw: bytes) -> None:
    with pytest.raises(PageUnreadable):
        read_pull_page(raw)


def test_a_good_page_is_read_in_one_pass() -> None:
    version_id = str(uuid.uuid4())
    raw = json.dumps(
        {
            "changes": [
                provider_change(1),
                {
                    "seq": 2,
                    "kind": "tombstone",
                    "id": version_id,
                    "data": {"object_kind": "provider"},
                },
            ],
            "next_since": 2,
            "has_more": False,
        }
    ).encode()
    page = read_pull_page(raw)
    assert [c.seq for c in page.changes] == [1, 2]
    assert page.unreadable == []
