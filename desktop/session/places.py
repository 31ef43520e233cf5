"""*Plaats zoeken*: match a triaged case against the directory this desk last pulled, and
reserve a place (a hold on the central API) and refer the case to it.

The search runs ``coordination.matching`` on the case as it stands and the desk's kept
directory (``desktop.sync.directory``): it works offline, and says *stand van* (as of) the
last complete pull. A stale figure is shown with its age, never hidden. Reserving needs
the central API: :meth:`PlaceSearch.reserve_call` reads the server address and token
here (the store's thread) and returns a call that any thread may run (HTTP only); the
unit it answers with goes into the kept directory with :meth:`PlaceSearch.keep`.
:meth:`PlaceSearch.refer` is *Overdragen aan…* the unit (``desktop.session.referrals``).
Qt-free; every user text in Dutch with English through ``desktop.i18n``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from coordination.asks import Asks, CaseError
from coordination.directory import Directory, DirectoryError
from coordination.matching import MatchResult, match, match_case
from coordination.texts import code_text, duration
from desktop.i18n import _, language
from desktop.store.sync_state import SyncState
from desktop.sync.directory import DeskDirectory, desk_directory

HOLD_HOURS = 2  # how long a reservation holds the place while the referral is made


class PlaceError(Exception):
    """A search or reservation that cannot be done; ``message`` is for the desk worker."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MatchRow:
    unit_id: str
    rank: int
    name: str
    organization: str
    free: int
    stale: bool
    age: str  # "14 uur"
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    held_for_case: bool = False  # this case holds a place here

    def line(self) -> str:
        """One line for the list: rank, name, free places, freshness."""
        fresh = (
            _("verouderd, {age} oud").format(age=self.age)
            if self.stale
            else _("bijgewerkt {age} geleden").format(age=self.age)
        )
        line = _("{rank}. {name} ({organization}) — {free} vrij — {fresh}").format(
            rank=self.rank,
            name=self.name,
            organization=self.organization,
            free=self.free,
            fresh=fresh,
        )
        if self.held_for_case:
            line += " — " + _("plaats gereserveerd voor deze casus")
        return line


@dataclass(frozen=True)
class ExcludedRow:
    unit_id: str
    name: str
    codes: tuple[str, ...]
    words: tuple[str, ...]

    def line(self) -> str:
        return _("{name}: {why}").format(name=self.name, why=" ".join(self.words))


@dataclass(frozen=True)
class PlaceOutcome:
    result: MatchResult
    as_of: datetime | None
    matches: tuple[MatchRow, ...]
    excluded: tuple[ExcludedRow, ...]

    @property
    def placement_needed(self) -> bool:
        return self.result.placement_needed


def as_of_text(as_of: datetime | None) -> str:
    if as_of is None:
        return _("Stand van: onbekend (nog niet volledig gesynchroniseerd)")
    from desktop.timefmt import format_datetime

    return _("Stand van: {time}").format(time=format_datetime(as_of))


def setting_labels() -> dict[str, str]:
    """The settings of the directory in words (domain/coordination.md §2)."""
    return {
        "ambulant_crisis": _("ambulante crisiszorg"),
        "intensive_home": _("intensieve behandeling thuis"),
        "crisis_bed": _("crisisbed"),
        "clinical": _("klinische opname"),
        "secure_youth_care": _("gesloten jeugdhulp"),
    }


class PlaceSearch:
    """Search and reserve places for the cases of one desk session."""

    def __init__(self, session: Any, *, use_keyring: bool = True) -> None:
        self.session = session
        self.use_keyring = use_keyring

    def _state(self) -> SyncState:
        return SyncState(self.session.store.db)

    def directory(self) -> DeskDirectory | None:
        try:
            return desk_directory(self._state())
        except DirectoryError as error:
            raise PlaceError(
                _("De bewaarde sociale kaart is beschadigd; synchroniseer opnieuw. ({why})").format(
                    why=error.problems[0]
                )
            ) from error

    def search(
        self, case_id: str, at: datetime | None = None, asks: Asks | None = None
    ) -> PlaceOutcome:
        """Match the case as it stands against the kept directory (offline too); with
        ``asks``, what the desk worker edited instead of what the case gives."""
        kept = self.directory()
        if kept is None:
            raise PlaceError(
                _(
                    "Deze desk heeft nog geen sociale kaart met plaatsen. Meld u aan bij de "
                    "centrale server en synchroniseer."
                )
            )
        case = self.session.get_case(case_id)
        if not self.session.is_decided(case):
            raise PlaceError(_("Plaats zoeken kan na de triagebeslissing."))
        moment = at or datetime.now(UTC)
        lang = language()
        seen = without_holds_of(kept.directory, case_id)
        try:
            if asks is None:
                result = match_case(case.to_json(), seen, moment, lang)
            else:
                result = match(asks, seen, moment, lang)
        except CaseError as error:
            raise PlaceError(
                _("De casus kan niet worden gematcht: {why}").format(why=error)
            ) from error
        directory = kept.directory
        names = {org.id: org.name for org in directory.organizations}
        held_here = {
            unit.id
            for unit in directory.units
            if any(hold.case_id == case_id for hold in unit.capacity.holds)
        }
        matches = tuple(
            MatchRow(
                outcome.unit.id,
                rank,
                outcome.unit.name,
                names.get(outcome.unit.organization_id, outcome.unit.organization_id),
                outcome.free,
                outcome.stale,
                duration(outcome.age_seconds, lang),
                tuple(outcome.reasons(result.asks, lang)),
                outcome.flags,
                outcome.unit.id in held_here,
            )
            for rank, outcome in enumerate(result.matches, start=1)
        )
        excluded = tuple(
            ExcludedRow(
                exclusion.unit.id,
                exclusion.unit.name,
                exclusion.codes,
                tuple(code_text(code, lang) for code in exclusion.codes),
            )
            for exclusion in sorted(result.excluded, key=lambda e: (e.unit.name, e.unit.id))
        )
        return PlaceOutcome(result, kept.as_of, matches, excluded)

    def reserve_call(
        self, case_id: str, unit_id: str, hours: float = HOLD_HOURS
    ) -> Callable[[], dict[str, Any]]:
        """A call (for any thread) that places the hold and returns the unit as it now
        stands; it raises :class:`PlaceError` with a Dutch message. Raises PlaceError at
        once when this desk is not signed in to a server."""
        from desktop.sync.credentials import Credentials
        from desktop.sync.local import DEVICE_ID, SERVER_URL

        state = self._state()
        url, device = state.get(SERVER_URL), state.get(DEVICE_ID)
        token = (
            Credentials(state, use_keyring=self.use_keyring).token(url, device)
            if url and device
            else None
        )
        if not url or not token:
            raise PlaceError(
                _("Reserveren kan alleen online: meld deze desk aan bij de centrale server.")
            )
        until = datetime.now(UTC) + timedelta(hours=hours)

        def call() -> dict[str, Any]:
            import uuid

            from desktop.sync.errors import AuthRequired, RequestRejected, TransientError
            from desktop.sync.transport import HttpTransport
            from doorloop_protocol import HoldRequest

            body = HoldRequest.model_validate(
                {
                    "hold_id": str(uuid.uuid4()),
                    "unit_id": unit_id,
                    "case_id": case_id,
                    "until": until.isoformat(),
                }
            ).model_dump_json()
            transport = HttpTransport(url, token, timeout=10.0)
            try:
                answer = transport.directory_call("POST", "/v1/directory/holds", body)
            except AuthRequired as error:
                raise PlaceError(
                    _("De server weigert de reservering ({why}). Meld u opnieuw aan.").format(
                        why=error
                    )
                ) from error
            except RequestRejected as error:
                raise PlaceError(
                    _(
                        "Niet gereserveerd: {why} Zoek opnieuw; de stand is intussen veranderd."
                    ).format(why=error)
                ) from error
            except TransientError as error:
                raise PlaceError(
                    _("De centrale server is niet bereikbaar; er is niets gereserveerd.")
                ) from error
            finally:
                transport.close()
            return dict(answer.unit)

        return call

    def refer(self, case_id: str, unit_id: str) -> Any:
        """*Overdragen aan…* the unit: a ``requested`` referral to it (works offline; it
        is sent with the next sync). Raises PlaceError with the Dutch reason."""
        from desktop.session.referrals import ReferralRefused

        kept = self.directory()
        if kept is None:
            raise PlaceError(_("Deze desk heeft nog geen sociale kaart met plaatsen."))
        try:
            unit = kept.directory.unit(unit_id)
        except KeyError as error:
            raise PlaceError(_("Deze unit staat niet meer in de sociale kaart.")) from error
        from desktop.session.referral_info import summary_for

        try:
            # with the summary the receiving party reads (handover and feedback texts),
            # as Overdragen aan… in the case view makes it
            return self.session.referrals.refer(
                case_id,
                unit_id=unit.id,
                organization_id=unit.organization_id,
                summary=summary_for(self.session, case_id),
            )
        except ReferralRefused as refused:
            raise PlaceError(" ".join(refused.reasons)) from refused

    def keep(self, unit: dict[str, Any]) -> None:
        """Store a unit the server answered with in the kept directory (this thread)."""
        unit_id = str(unit.get("id", ""))
        if not unit_id:
            return
        state = self._state()
        with self.session.store.atomic():
            seq = state.reference_seq("directory_unit", unit_id)
            state.put_reference("directory_unit", unit_id, unit, seq)


def without_holds_of(directory: Directory, case_id: str) -> Directory:
    """The directory as this case sees it: its own holds do not take its place away."""
    if not any(hold.case_id == case_id for unit in directory.units for hold in unit.capacity.holds):
        return directory
    units = tuple(
        replace(
            unit,
            capacity=replace(
                unit.capacity,
                holds=tuple(h for h in unit.capacity.holds if h.case_id != case_id),
            ),
        )
        if any(hold.case_id == case_id for hold in unit.capacity.holds)
        else unit
        for unit in directory.units
    )
    return Directory(directory.organizations, units, directory.freshness_limit_hours)


def reason_words(codes: tuple[str, ...]) -> list[str]:
    lang = language()
    return [code_text(code, lang) for code in codes]
