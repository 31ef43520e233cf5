"""Where the coordinator dashboard's figures come from. Qt-free.

Signed in to the central server: ``GET /v1/indicators`` for the region (exact, or
``public``), one call for the period and one per week. Offline, not signed in, or when
the server cannot be reached: the same indicators computed from the desk's own cases
(``coordination.indicators``, the same catalogue and code the server uses), saying so.
Training data never counts (a training store gives no local figures).

:func:`load_dashboard` gives the :class:`~desktop.reports.dashboard.Dashboard` the UI
shows; the UI only chooses the filters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from coordination.indicators import assemble, case_facts, cells_from_facts
from coordination.indicators.facts import ZONE, CaseFacts
from desktop.i18n import _
from desktop.reports.dashboard import Dashboard, Filters, Source, Week, build_dashboard, weeks_of

if TYPE_CHECKING:
    from desktop.session.desk import DeskSession

COORDINATOR = "coordinator"


class IndicatorSource(Protocol):
    kind: Source
    region: str

    def report(self, start: date, end: date, *, public: bool) -> dict[str, Any]: ...


class LocalSource:
    """The indicators over the cases in this desk's store (facts read once)."""

    kind: Source = "local"

    def __init__(self, session: DeskSession, now: Callable[[], datetime] | None = None) -> None:
        self.region = session.profile.region
        self._now = now or (lambda: datetime.now(UTC))
        self.facts = [] if session.training else local_facts(session)

    def report(self, start: date, end: date, *, public: bool) -> dict[str, Any]:
        cells = cells_from_facts(self.facts, start, end)
        return assemble(
            cells,
            region=self.region,
            start=start,
            end=end,
            computed_at=self._now(),
            public=public,
        )


def local_facts(session: DeskSession) -> list[CaseFacts]:
    """The indicator facts of every (not deleted) case in the store, in one read."""
    db = session.store.db
    marked = {
        str(row[0])
        for row in db.execute(
            "SELECT id FROM cases WHERE status = 'needs_reconciliation' AND deleted_at IS NULL"
        ).fetchall()
    }
    rows = db.execute(
        "SELECT v.case_id, v.number, v.status, v.answers, v.reason FROM case_versions v "
        "JOIN cases c ON c.id = v.case_id WHERE c.deleted_at IS NULL "
        "ORDER BY v.case_id, v.number"
    ).fetchall()
    by_case: dict[str, list[dict[str, Any]]] = {}
    for case_id, number, status, answers, _reason in rows:
        by_case.setdefault(str(case_id), []).append(
            {"number": number, "status": status, "answers": json.loads(answers or "{}")}
        )
    return [
        case_facts(case_id, versions, needs_reconciliation=case_id in marked)
        for case_id, versions in by_case.items()
    ]


class CentralSource:
    """``GET /v1/indicators`` with this device's token (the server says the region)."""

    kind: Source = "central"

    def __init__(self, transport: Any, region: str) -> None:
        self.transport = transport
        self.region = region

    def report(self, start: date, end: date, *, public: bool) -> dict[str, Any]:
        result: dict[str, Any] = self.transport.indicators(
            start.isoformat(), end.isoformat(), public=public
        )
        self.region = str(result.get("region") or self.region)
        return result


def central_source(session: DeskSession, *, use_keyring: bool = True) -> CentralSource | None:
    """The server source when this desk is signed in (a server and a token), else None."""
    if session.training:
        return None
    from desktop.store.sync_state import SyncState
    from desktop.sync.credentials import Credentials
    from desktop.sync.local import DEVICE_ID, SERVER_URL
    from desktop.sync.transport import HttpTransport

    state = SyncState(session.store.db, user=session.store.current_user)
    url, device = state.get(SERVER_URL), state.get(DEVICE_ID)
    if not url or not device:
        return None
    token = Credentials(state, use_keyring=use_keyring).token(url, device)
    if not token:
        return None
    return CentralSource(HttpTransport(url, token, timeout=20.0), session.profile.region)


def last_sync(session: DeskSession) -> datetime | None:
    from desktop.store.sync_state import SyncState
    from desktop.sync.local import last_success

    return last_success(SyncState(session.store.db, user=session.store.current_user))


def today_local() -> date:
    return datetime.now(ZONE).date()


def reports_for(
    source: IndicatorSource, filters: Filters, today: date | None = None
) -> tuple[dict[str, Any], list[tuple[Week, dict[str, Any]]]]:
    """The period's report and one per week (weeks after today left out)."""
    period = source.report(filters.start, filters.end, public=filters.public)
    weekly = [
        (week, source.report(week.start, week.end, public=filters.public))
        for week in weeks_of(filters.start, filters.end, today or today_local())
    ]
    return period, weekly


def not_signed_in_text() -> str:
    return _("Niet aangemeld bij de centrale server: de cijfers van deze desk.")


def server_failed_text(exc: BaseException) -> str:
    return _("De centrale server gaf geen cijfers ({reason}): de cijfers van deze desk.").format(
        reason=str(exc) or type(exc).__name__
    )


def fetch_central(
    central: CentralSource, filters: Filters, today: date | None = None
) -> tuple[dict[str, Any], list[tuple[Week, dict[str, Any]]]]:
    """The server's reports for ``filters`` (HTTP only: safe off the UI thread); closes
    the source's connection. Raises :class:`desktop.sync.errors.SyncError`."""
    try:
        return reports_for(central, filters, today)
    finally:
        central.transport.close()


def central_dashboard(
    reports: tuple[dict[str, Any], list[tuple[Week, dict[str, Any]]]], filters: Filters
) -> Dashboard:
    period, weekly = reports
    return build_dashboard(period, weekly, source="central", urgencies=filters.urgencies)


def local_dashboard(
    session: DeskSession, filters: Filters, notice: str = "", today: date | None = None
) -> Dashboard:
    """The dashboard over this desk's own cases (on the thread that owns the store)."""
    source = LocalSource(session)
    if session.training:
        notice = _("Oefenomgeving: oefenmeldingen tellen nooit mee.")
    period, weekly = reports_for(source, filters, today)
    return build_dashboard(
        period, weekly, source="local", urgencies=filters.urgencies, notice=notice,
        last_sync=last_sync(session),
    )  # fmt: skip


def load_dashboard(
    session: DeskSession,
    filters: Filters,
    *,
    prefer: Source = "central",
    use_keyring: bool = True,
    today: date | None = None,
) -> Dashboard:
    """The dashboard for ``filters`` in one call: from the server when signed in (and
    ``prefer`` is central), else — or when the server cannot answer — from this desk's
    own cases. (The UI asks the server off its thread, with the same pieces.)"""
    from desktop.sync.errors import SyncError

    if prefer != "central":
        return local_dashboard(session, filters, today=today)
    central = central_source(session, use_keyring=use_keyring)
    if central is None:
        return local_dashboard(session, filters, not_signed_in_text(), today)
    try:
        return central_dashboard(fetch_central(central, filters, today), filters)
    except SyncError as exc:
        return local_dashboard(session, filters, server_failed_text(exc), today)


def record_export(session: DeskSession, dashboard: Dashboard, kind: str, file_name: str) -> None:
    """Audit a dashboard export (figures leave the desk as a file): format, file name,
    period, source and whether small numbers were hidden. No case is named."""
    session.store.audit.append(
        session.actor,
        "export",
        details={
            "what": "indicators",
            "format": kind,
            "file": file_name,
            "region": dashboard.region,
            "from": dashboard.start.isoformat(),
            "to": dashboard.end.isoformat(),
            "source": dashboard.source,
            "public": dashboard.public,
        },
    )
