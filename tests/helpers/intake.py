"""Helpers for driving the intake view with the keyboard only (pytest-qt and the e2e driver)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.session.desk import DeskSession
from desktop.store import Profile, Store

AMS = ZoneInfo("Europe/Amsterdam")
# A Monday night in November (CET); the call comes in at 03:12.
NOW = datetime(2026, 11, 23, 3, 12, tzinfo=AMS)


def session_with_role(store: Store, role: str, name: str, *, clock=lambda: NOW) -> DeskSession:  # type: ignore[no-untyped-def]
    """A second person on the same store (e.g. the triagist at the same crisis line)."""
    profile = Profile(
        user_id=str(uuid.uuid4()),
        display_name=name,
        role=role,  # type: ignore[arg-type]
        device_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
    )
    return DeskSession(store, profile, clock=clock)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def expect_focus(field_id: str) -> QWidget:
    widget = focused()
    assert widget.objectName() == field_id, (
        f"focus is on {widget.objectName()!r}, expected {field_id!r}"
    )
    return widget


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifiers)


def answer(field_id: str, keys: str) -> None:
    """Type ``keys`` (ASCII) into the focused field, which must be ``field_id``; then Tab."""
    widget = expect_focus(field_id)
    QTest.keyClicks(widget, keys)
    QTest.keyClick(widget, Qt.Key.Key_Tab)


def skip(field_id: str) -> None:
    expect_focus(field_id)
    press(Qt.Key.Key_Tab)


def next_section() -> None:
    press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
