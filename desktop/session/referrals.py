"""Referrals in the desk session (*Overdragen aan…*, answers, the two work lists). Qt-free.

``DeskSession.referrals`` is a :class:`ReferralDesk`: the one seam the UI uses for
referrals. It makes the moves of ``coordination.referrals`` as the signed-in person
(the rules are checked again by the store and by the central API), computes both timers
when a referral is made (*acknowledge by* from the urgency's target in the case's form,
*first contact by* = the case's response deadline) and answers the lists *Verlopen
afspraken* and *Plaatsing nodig*. Refusals raise :class:`ReferralRefused` (a
``TransitionError`` with a Dutch reason, plus the field and code).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from coordination.referrals import (
    DECLINE_REASONS,
    MOVES,
    RECEIVER_ROLE,
    SENDER_ROLES,
    AckTarget,
    Move,
    MoveError,
    Problem,
    ReferralEvent,
    TimerState,
    acknowledge_by,
    new_event,
    party_of,
    timers,
)
from desktop.forms.workflow import TransitionError
from desktop.i18n import _
from doorloop_protocol.workflow import Status

if TYPE_CHECKING:
    from desktop.forms import FormDefinition
    from desktop.session.desk import DeskSession
    from desktop.store import OverdueAlert, PlacementNeeded, ReferralView

REFERABLE_STATUSES = frozenset({Status.TRIAGED.value, Status.HANDED_OVER.value})
"""A case is referred once the triage decision is made ("afspraak is afspraak")."""


class ReferralRefused(TransitionError):
    """A refused referral move: ``reasons`` (Dutch) for the user, ``field`` and ``code``
    for the UI to put the message at the right place."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__((message,))
        self.field = field
        self.code = code


def decline_reason_labels() -> dict[str, str]:
    """The decline reason codes with their Dutch (or English) names, in order."""
    labels = {
        "no_capacity": _("Geen plek"),
        "not_target_group": _("Niet de doelgroep"),
        "age": _("Leeftijd valt buiten ons aanbod"),
        "legal_route_not_offered": _("Deze juridische route bieden wij niet"),
        "intake_stop": _("Opnamestop"),
        "other": _("Anders (toelichting nodig)"),
    }
    return {code: labels[code] for code in DECLINE_REASONS}


def status_labels() -> dict[str, str]:
    return {
        "requested": _("Verzonden"),
        "received": _("Ontvangen"),
        "accepted": _("Geaccepteerd"),
        "declined": _("Afgewezen"),
        "in_progress": _("Eerste contact gehad"),
        "completed": _("Afgerond"),
        "cancelled": _("Ingetrokken"),
    }


def timer_labels() -> dict[str, str]:
    return {"acknowledge": _("Ontvangst bevestigen"), "first_contact": _("Eerste contact")}


def problem_text(problem: Problem) -> str:
    """A Dutch (or English) sentence for a refused move, naming what to fix."""
    texts = {
        "role_not_allowed": _("Uw rol mag deze stap in de verwijzing niet zetten."),
        "other_organization": _("Deze verwijzing is aan een andere organisatie gericht."),
        "concurrent_move": _(
            "De verwijzing is intussen door een ander bijgewerkt. Bekijk de nieuwe stand "
            "en probeer het zo nodig opnieuw."
        ),
        "not_allowed": _("Deze stap kan niet in de huidige status van de verwijzing."),
        "open_referral_exists": _(
            "Deze casus heeft al een open verwijzing. Trek die eerst in met een reden."
        ),
        "unknown_referral": _("Deze verwijzing is niet bekend op dit apparaat."),
        "exists": _("Deze verwijzing bestaat al."),
        "mismatch": _("Deze verwijzing hoort bij een andere casus."),
    }
    by_field = {
        "payload.first_contact_at": _("Vul het afgesproken tijdstip van eerste contact in."),
        "payload.reason": _("Kies een reden."),
        "payload.text": _("Geef een toelichting bij de reden 'anders'."),
        "payload.to_unit_id": _("Kies een eenheid uit de sociale kaart of vul een naam in."),
        "payload.to_name": _("Vul de naam van de ontvangende partij in."),
    }
    if problem.code in texts:
        return texts[problem.code]
    if problem.field in by_field:
        return by_field[problem.field]
    return _("Deze stap is geweigerd ({field}): {why}").format(
        field=problem.field, why=problem.message
    )


def ack_targets(form: FormDefinition) -> dict[str, AckTarget]:
    """The region's *acknowledge by* targets per urgency, from the form's urgency scale."""
    return {
        level.code: AckTarget(level.acknowledge_minutes, level.acknowledge_working_days)
        for level in form.urgency
    }


@dataclass(frozen=True)
class ReferralDesk:
    """Referral moves and lists for one desk session (``DeskSession.referrals``)."""

    session: DeskSession
    organization_id: Callable[[], str | None]

    # ------------------------------------------------------------------------- moves

    def refer(
        self,
        case_id: str,
        *,
        unit_id: str | None = None,
        organization_id: str | None = None,
        name: str | None = None,
        phone: str | None = None,
        note: str | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> ReferralView:
        """*Overdragen aan…*: a new ``requested`` referral of a triaged case to a unit of
        the directory (``unit_id`` with its ``organization_id``) or a named party
        (``name``, optional ``phone``). Both timers are computed now and stored."""
        from desktop.forms.engine import deadline_of

        session = self.session
        case = session.get_case(case_id)
        if case.status not in REFERABLE_STATUSES:
            raise ReferralRefused(
                _("Verwijs pas na het triagebesluit."), field="case_id", code="not_triaged"
            )
        form = session.form_for(case)
        now = session.clock()
        urgency = case.answers.get("triage.urgency")
        urgency = None if urgency is None else str(urgency)
        ack = acknowledge_by(now, urgency, ZoneInfo(form.timezone), ack_targets(form))
        deadline = deadline_of(form, case.answers)
        payload: dict[str, Any] = {}
        for key, value in (
            ("to_unit_id", unit_id),
            ("to_organization_id", organization_id),
            ("to_name", name),
            ("to_phone", phone),
            ("urgency", urgency),
            ("acknowledge_by", ack.isoformat() if ack else None),
            ("first_contact_by", deadline),
            ("note", note),
        ):
            if value is not None and value != "":
                payload[key] = value
        payload["summary"] = dict(summary) if summary is not None else self.summary_of(case_id)
        return self._move(Move.REQUEST, str(uuid.uuid4()), case_id, payload, after=None)

    def summary_of(self, case_id: str) -> dict[str, Any]:
        """What the receiving party sees before it accepts (domain/coordination.md §1):
        urgency, age band, legal route and setting(s) of the case, nothing else."""
        from coordination.asks import CaseError, asks_for_case
        from legal_rules.facts import age_band

        session = self.session
        case = session.get_case(case_id)
        answers = case.answers
        summary: dict[str, Any] = {
            "urgency": answers.get("triage.urgency"),
            "intervention": answers.get("triage.intervention"),
        }
        try:
            asks = asks_for_case(case.to_json(), session.clock())
        except CaseError:
            return {k: v for k, v in summary.items() if v is not None}
        summary.update(
            age_band=age_band(asks.age),
            legal_route=asks.legal_route,
            settings=list(asks.settings),
        )
        return {k: v for k, v in summary.items() if v is not None}

    def receive(self, referral_id: str, *, on_behalf_of: str | None = None) -> ReferralView:
        """The receiving party has seen the referral (stops *acknowledge by*)."""
        return self._answer(referral_id, Move.RECEIVE, {"on_behalf_of": on_behalf_of})

    def accept(
        self,
        referral_id: str,
        first_contact_at: datetime,
        *,
        on_behalf_of: str | None = None,
        note: str | None = None,
    ) -> ReferralView:
        """The receiving party takes the case up, with the agreed time of first contact."""
        if first_contact_at.tzinfo is None:
            first_contact_at = first_contact_at.astimezone()
        payload = {
            "first_contact_at": first_contact_at.isoformat(),
            "on_behalf_of": on_behalf_of,
            "note": note,
        }
        return self._answer(referral_id, Move.ACCEPT, payload)

    def decline(
        self,
        referral_id: str,
        reason: str,
        text: str | None = None,
        *,
        on_behalf_of: str | None = None,
    ) -> ReferralView:
        """Refused, with a reason code (``decline_reason_labels``); ``other`` needs text."""
        payload = {"reason": reason, "text": text, "on_behalf_of": on_behalf_of}
        return self._answer(referral_id, Move.DECLINE, payload)

    def start(
        self, referral_id: str, *, on_behalf_of: str | None = None, note: str | None = None
    ) -> ReferralView:
        """First contact with the young person happened (stops *first contact by*)."""
        return self._answer(referral_id, Move.START, {"on_behalf_of": on_behalf_of, "note": note})

    def complete(
        self, referral_id: str, *, on_behalf_of: str | None = None, note: str | None = None
    ) -> ReferralView:
        """The acute episode is over for this party."""
        payload = {"on_behalf_of": on_behalf_of, "note": note}
        return self._answer(referral_id, Move.COMPLETE, payload)

    def cancel(self, referral_id: str, reason: str) -> ReferralView:
        """Withdrawn by the sender, with a reason (the case goes to *Plaatsing nodig*)."""
        return self._answer(referral_id, Move.CANCEL, {"reason": reason})

    def acknowledge_alert(self, referral_id: str, timer: str) -> None:
        """Silence this user's breach alert of one timer (stored: survives a restart)."""
        self.session.store.referrals.acknowledge_alert(referral_id, timer, self.session.actor)

    # ------------------------------------------------------------------------- reads

    def get(self, referral_id: str) -> ReferralView | None:
        return self.session.store.referrals.view(referral_id)

    def of_case(self, case_id: str) -> list[ReferralView]:
        """The case's referrals, oldest first (at most the last one is open)."""
        return self.session.store.referrals.of_case(case_id)

    def timers(self, referral_id: str, now: datetime | None = None) -> list[TimerState]:
        """Both timers of a referral at ``now`` (due, stopped, breached, overdue)."""
        view = self.get(referral_id)
        if view is None:
            return []
        return timers(view.referral, now or self.session.clock())

    def overdue(self, now: datetime | None = None) -> list[OverdueAlert]:
        """*Verlopen afspraken*: breached running timers, the longest overdue first."""
        return self.session.store.referrals.overdue(
            now or self.session.clock(), user_id=self.session.actor.user_id
        )

    def alerting(self, now: datetime | None = None) -> list[OverdueAlert]:
        """The alerts of *Verlopen afspraken* this user has not acknowledged yet (what
        the visible and audible alert is about)."""
        return [alert for alert in self.overdue(now) if not alert.acknowledged]

    def needs_placement(self) -> list[PlacementNeeded]:
        """*Plaatsing nodig*: declined or cancelled, without a newer referral."""
        return self.session.store.referrals.needs_placement()

    def for_my_organization(self, *, open_only: bool = True) -> list[ReferralView]:
        """A receiver's work list: the referrals addressed to its organisation."""
        organization = self.organization_id()
        if organization is None:
            return []
        return self.session.store.referrals.for_organization(organization, open_only=open_only)

    def may_send(self) -> bool:
        return self.session.role in SENDER_ROLES

    def next_moves(self, referral_id: str) -> list[Move]:
        """The moves this person may make on the referral now (for the buttons)."""
        view = self.get(referral_id)
        if view is None:
            return []
        allowed: list[Move] = []
        organization = self.organization_id() if self.session.role == RECEIVER_ROLE else None
        for move, rule in MOVES.items():
            if move in (Move.REQUEST, Move.BREACH) or view.referral.status not in rule.sources:
                continue
            if party_of(self.session.role, organization, view.referral, move) is None:
                allowed.append(move)
        return allowed

    # ------------------------------------------------------------------------- inside

    def _answer(self, referral_id: str, move: Move, payload: dict[str, Any]) -> ReferralView:
        view = self.get(referral_id)
        if view is None:
            raise ReferralRefused(
                problem_text(Problem("referral_id", "unknown_referral", "")),
                field="referral_id",
                code="unknown_referral",
            )
        clean = {k: v for k, v in payload.items() if v is not None and v != ""}
        return self._move(
            move, referral_id, view.referral.case_id, clean, after=view.referral.last_event_id
        )

    def _event(
        self,
        move: Move,
        referral_id: str,
        case_id: str,
        payload: dict[str, Any],
        after: Any = None,
    ) -> ReferralEvent:
        actor = self.session.actor
        role = self.session.role
        if after is not None and not isinstance(after, str):
            after = after.last_event_id
        return new_event(
            referral_id=referral_id,
            case_id=case_id,
            move=move,
            actor_id=actor.user_id,
            actor_role=role,
            actor_organization_id=self.organization_id() if role == RECEIVER_ROLE else None,
            actor_name=actor.display_name,
            device_id=actor.device_id,
            at=self.session.clock(),
            payload=payload,
            after=after,
        )

    def _move(
        self,
        move: Move,
        referral_id: str,
        case_id: str,
        payload: dict[str, Any],
        *,
        after: str | None,
    ) -> ReferralView:
        event = self._event(move, referral_id, case_id, payload, after)
        try:
            self.session.store.referrals.record(
                event, region=self.session.profile.region, actor=self.session.actor
            )
        except MoveError as exc:
            raise ReferralRefused(
                problem_text(exc.problem), field=exc.problem.field, code=exc.problem.code
            ) from exc
        view = self.get(referral_id)
        assert view is not None
        return view
