"""The desk's reading of the live event stream (Server-Sent Events): every `changes`
event comes out with its seq whatever the comments, ids and line splits around it, and
data the desk cannot read is skipped, never a crash."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from desktop.sync.stream import event_seq, read_events

events = st.lists(
    st.tuples(st.sampled_from(["changes", "other"]), st.integers(0, 2**62)), max_size=20
)


def _wire(items: list[tuple[str, int]], comments: list[str]) -> list[str]:
    lines = ["retry: 2000", ""]
    for n, (name, seq) in enumerate(items):
        if comments:
            lines += [f": {comments[n % len(comments)]}", ""]
        lines += [f"event: {name}", f"id: {seq}", f"data: {json.dumps({'seq': seq})}", ""]
    return lines


@given(events, st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]))))
def test_every_changes_event_is_read_with_its_seq(
    items: list[tuple[str, int]], comments: list[str]
) -> None:
    read = [(name, event_seq(data)) for name, data in read_events(iter(_wire(items, comments)))]
    assert read == items


@given(st.text())
def test_unreadable_data_gives_no_seq_and_no_crash(data: str) -> None:
    seq = event_seq(data)
    assert seq is None or (isinstance(seq, int) and seq >= 0)


def test_bad_seqs_are_refused() -> None:
    for data in ['{"seq": -1}', '{"seq": true}', '{"seq": "4"}', "[4]", "4", "{", ""]:
        assert event_seq(data) is None
    assert event_seq('{"seq": 7}') == 7


def test_an_event_cut_off_by_a_lost_connection_is_not_delivered() -> None:
    lines = ["event: changes", 'data: {"seq": 5}', "", "event: changes", 'data: {"seq": 6}']
    assert [event_seq(d) for _n, d in read_events(iter(lines))] == [5]
