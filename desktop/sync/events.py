"""What the sync engine tells the desk: status for the status bar and notices.

Plain frozen dataclasses, delivered to listeners on the engine's thread; the UI moves
them to its own thread (e.g. through a Qt signal). ``message`` texts are for people
and follow the desk's language (``desktop.i18n``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from desktop.i18n import _
from desktop.timefmt import format_moment

RunOutcome = Literal["ok", "offline", "login_required", "failed", "stopped", "wiped"]


@dataclass(frozen=True)
class SyncStatus:
    """The status bar's facts: online or not, last successful sync, what is unsent."""

    online: bool
    last_success: datetime | None
    unsynced: int
    quarantined: int
    needs_reconciliation: int
    logged_in: bool
    needs_login: bool
    running: bool = False
    """A request is on the wire right now (not: a run is waiting to retry)."""

    def text(self) -> str:
        """One line for the status bar: connection state, last successful sync, refused
        items. What is not sent yet is counted once, by the window's own labelled count
        ("N casusversies nog niet verzonden"), not here."""
        if not self.logged_in or self.needs_login:
            state = _("Niet aangemeld bij de centrale server")
        elif self.running:
            state = _("Bezig met synchroniseren")
        elif self.online:
            state = _("Online")
        else:
            state = _("Offline")
        parts = [state]
        if self.last_success is not None:
            moment = format_moment(self.last_success, style="short")
            parts.append(_("laatst gesynchroniseerd {moment}").format(moment=moment))
        if self.quarantined:
            parts.append(_("{count} geweigerd door de server").format(count=self.quarantined))
        return " · ".join(parts)


@dataclass(frozen=True)
class SyncReport:
    """What one sync run did."""

    outcome: RunOutcome
    pushed: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    pulled: int = 0
    skipped: int = 0
    """Pulled changes that could not be read and were set aside (see sync notices)."""
    conflicts: tuple[str, ...] = ()
    full_resync: bool = False
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class StatusChanged:
    status: SyncStatus


@dataclass(frozen=True)
class ItemQuarantined:
    """The server refused an item (or it cannot be sent); it is set aside, visibly."""

    item_id: str
    kind: str
    case_id: str | None
    reason: str
    message: str


@dataclass(frozen=True)
class DeviceWiped:
    """The server ordered a remote wipe and the store is erased (said at once, before
    the wipe is confirmed to the server): nothing may read or write it any more."""


@dataclass(frozen=True)
class WipeStarting:
    """The server ordered a remote wipe; the engine erases the store once whoever reads
    it has stopped and said so (``let_go.set()``), or after ``WIPE_WAIT_SECONDS``. The
    desk's window closes its own connection first, so no read lands on erased pages."""

    let_go: threading.Event = field(default_factory=threading.Event, compare=False)


WIPE_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class LoginRequired:
    """401/403: the device must log in again; syncing waits until then."""

    message: str
    status: int = 401


@dataclass(frozen=True)
class ReconciliationNeeded:
    """A case got two versions on the same base; a person has to resolve it."""

    case_id: str
    message: str = field(default="")


@dataclass(frozen=True)
class SyncFinished:
    report: SyncReport


SyncEvent = (
    StatusChanged
    | ItemQuarantined
    | WipeStarting
    | DeviceWiped
    | LoginRequired
    | ReconciliationNeeded
    | SyncFinished
)
