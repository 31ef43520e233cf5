"""The store's case change feed, moved into Qt once: ``events_for(store).cases_changed``.

:mod:`desktop.store.changes` tells listeners on the committing thread — the sync worker's
for a pull. :class:`StoreEvents` subscribes once per store, gathers the case ids and
hands them to the GUI thread with a queued signal; every view (the case list, each open
case) connects to :attr:`StoreEvents.cases_changed`. While the store is locked the ids
are held and delivered after :meth:`StoreEvents.release` (the main window calls it on
unlock), since a locked store cannot be read.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

if TYPE_CHECKING:
    from desktop.store import Store
    from desktop.store.changes import CasesChanged


class StoreEvents(QObject):
    """Case change notifications of one store, on the GUI thread."""

    cases_changed = Signal(frozenset)
    """Ids of cases whose stored row or versions changed (committed)."""

    _arrived = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = weakref.ref(store)
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._scheduled = False
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        unsubscribe = store.changes.subscribe(self._heard)
        self._unsubscribe = unsubscribe
        self.destroyed.connect(lambda *_args: unsubscribe())

    def _heard(self, change: CasesChanged) -> None:
        """On the committing thread: note the ids, wake the GUI thread once."""
        with self._lock:
            self._pending |= change.case_ids
            if self._scheduled:
                return
            self._scheduled = True
        self._arrived.emit()

    def _deliver(self) -> None:
        with self._lock:
            self._scheduled = False
            store = self._store()
            if store is None or store.locked:
                return  # kept for release()
            ids, self._pending = frozenset(self._pending), set()
        if ids:
            self.cases_changed.emit(ids)

    def waiting(self, case_id: str) -> bool:
        """Whether a change of the case was committed but not delivered yet."""
        with self._lock:
            return case_id in self._pending

    def release(self) -> None:
        """Deliver what arrived while the store was locked (call after unlock)."""
        self._deliver()

    def close(self) -> None:
        self._unsubscribe()


_EVENTS: weakref.WeakKeyDictionary[Store, StoreEvents] = weakref.WeakKeyDictionary()


def events_for(store: Store) -> StoreEvents:
    """The one :class:`StoreEvents` of ``store`` (made on first use, owned by the app)."""
    events = _EVENTS.get(store)
    if events is None:
        events = StoreEvents(store, QCoreApplication.instance())
        _EVENTS[store] = events
    return events
