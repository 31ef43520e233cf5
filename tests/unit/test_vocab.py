"""Statuses, roles and the recorded decision fields are defined once
(doorloop_protocol.vocab, doorloop_protocol.workflow) and the desk's modules use them."""

from __future__ import annotations

from typing import get_args

import desktop.forms.model as form_model
import desktop.reports.case_input as case_input
import desktop.reports.contents as contents
import desktop.store.records as records
import desktop.training.scenario as scenario
import doorloop_protocol.models as wire
import doorloop_protocol.workflow as workflow
from doorloop_protocol import vocab


def test_the_status_names_are_the_status_values() -> None:
    assert tuple(vocab.Status) == vocab.CASE_STATUSES == get_args(vocab.CaseStatus)


def test_every_module_uses_the_one_vocabulary() -> None:
    assert records.CaseStatus is wire.CaseStatus is vocab.CaseStatus
    assert records.Role is wire.Role is vocab.Role
    assert records.ROLES is wire.ROLES is workflow.ROLES is vocab.ROLES
    assert workflow.Status is vocab.Status
    assert form_model.CASE_STATUSES is case_input.STATUSES is vocab.CASE_STATUSES
    assert contents.RECORDED_FIELDS is workflow.RECORDED_DECISION_FIELDS
    assert set(workflow.RECORDED_DECISION_FIELDS) < scenario.DECISION_FIELDS


def test_the_case_sync_state_is_not_the_sync_bookkeeping() -> None:
    from desktop.store.sync_state import SyncState

    assert not hasattr(records, "SyncState")
    assert get_args(records.CaseSyncState) == ("local", "pending", "synced", "conflict")
    assert isinstance(SyncState, type)
