"""Keeps ``None`` alive under PySide6 6.12.0 on CPython 3.11 (a refcount bug in the binding).

Measured on this stack: every call of a Qt method that returns nothing (``setText``,
``setVisible``, ``QTimer.setInterval``, ...) drops one reference to ``None`` without
taking it. CPython 3.12+ makes ``None`` immortal, so there it is harmless; on 3.11 the
count reaches zero after some thousands of calls and the process aborts with
"Fatal Python error: none_dealloc" — an intake view that refreshes after every edit
gets there within minutes. :func:`pin_none` gives ``None`` the same kind of huge
reference count 3.12 uses, so it can never reach zero.

Imported by the intake view (and so by the main window); it belongs in the one place
that builds the QApplication (``desktop/app.py``) and in the test set-up.
"""

from __future__ import annotations

import ctypes
import sys

PIN = 1 << 48


def pin_none() -> bool:
    """Raise ``None``'s reference count out of reach; True when it was needed and done."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    count = ctypes.c_ssize_t.from_address(id(None))
    if count.value < PIN:
        count.value += PIN
    return True


pin_none()
