"""The desk session: one signed-in person working with cases on this device.

The one Qt-free place where the store, the form engine and the rules meet. The UI
calls these methods; it never writes to the store itself. Every method that touches
a case leaves an audit event (through the store's repositories).

The case workflow lives here: autosave with derived values (:meth:`save_answers`),
``draft → ready_for_triage`` (:meth:`mark_ready`), the triage decision
(:meth:`decide_triage`, sealed: "afspraak is afspraak"), its amendment by a triagist
with a reason (:meth:`amend_triage`), handover, closing and the version history.
Refusals raise :class:`~desktop.forms.workflow.TransitionError` whose ``reasons`` are
Dutch (or English) texts the UI shows as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.i18n import _, pick
from desktop.store import Actor, CaseSummary, CaseView, Profile, Store, actor_for
from doorloop_protocol.workflow import (  # the rules the central API enforces too
    FOLLOW_UP_FIELDS,
    RECORDED_DECISION_FIELDS,
    Status,
    is_decided,
)

if TYPE_CHECKING:
    from desktop.forms import FormDefinition, FormState
    from desktop.session.referrals import ReferralDesk
    from desktop.store import Case
    from desktop.sync.events import SyncStatus

# The form engine and the status rules are imported on first use (inside the methods):
# starting the app and showing the case list do not need them, and they cost start-up.

GUARDED_SECTIONS = ("risk", "legal")
"""Sections whose answers (the choices in them) are guarded: changing one that was given
gets a version of its own with a reason, shows in the section header, and clearing it
(or setting it to *onbekend*) is confirmed by the person first."""

GUARDED_TYPES = frozenset({"choice", "yesno", "ynu", "multi"})
UNSET_VALUES = (None, "unknown")
"""Values that take an answer away: no answer, or *onbekend*."""


@dataclass(frozen=True)
class AnswerChange:
    """A guarded answer changed after it was given: when, by whom, from what to what."""

    field_id: str
    at: datetime
    by: str
    before: Any
    after: Any


def now_local() -> datetime:
    """The device's local time with its UTC offset (minute precision is what a desk uses)."""
    return datetime.now().astimezone().replace(microsecond=0)


@dataclass(frozen=True)
class HistoryEntry:
    """One version of a case as the history view shows it: who, when, why, what changed."""

    number: int
    version_id: str
    base_version_id: str | None
    status: str
    created_at: datetime
    created_by: str
    created_by_name: str
    device_id: str
    reason: str | None
    why: str
    sealed: bool
    changed: tuple[str, ...]
    answers: dict[str, Any]
    base_number: int | None = None
    """The number of the version this one builds on (None: first version, or not here)."""
    base_answers: dict[str, Any] = field(default_factory=dict)
    """The answers of that base version: what ``changed`` compares with."""


class DeskSession:
    def __init__(
        self, store: Store, profile: Profile, *, clock: Callable[[], datetime] = now_local
    ) -> None:
        self.store = store
        self.profile = profile
        self.clock = clock

    @property
    def actor(self) -> Actor:
        return actor_for(self.profile)

    @property
    def role(self) -> str:
        return self.profile.role

    @property
    def training(self) -> bool:
        return self.store.training

    @property
    def referrals(self) -> ReferralDesk:
        """Referrals: *Overdragen aan…*, the answers, *Verlopen afspraken* and *Plaatsing
        nodig* (``desktop.session.referrals``)."""
        from desktop.session.referrals import ReferralDesk

        return ReferralDesk(self, self.organization_id)

    def organization_id(self) -> str | None:
        """The directory organisation a ``receiver`` answers for: the one the central
        API bound its account to (learnt at login), else None."""
        from desktop.store.sync_state import SyncState

        user = SyncState(self.store.db, user=self.store.current_user).get("auth.user")
        if not user:
            return None
        value = json.loads(user).get("organization_id")
        return None if value is None else str(value)

    # -- cases -----------------------------------------------------------------------------

    def new_case(self, answers: dict[str, Any] | None = None) -> Case:
        """A new draft intake with the newest form; the call is received now unless told."""
        from desktop.forms import latest_version

        initial = {"call.received_at": self.clock().isoformat(), **(answers or {})}
        return self.store.cases.create(
            self.actor,
            form_version=latest_version("intake"),
            answers=initial,
            region=self.profile.region,
            training=self.store.training,
        )

    # -- who sees what (issue 21) ---------------------------------------------------------

    @property
    def view(self) -> CaseView | None:
        """The cases this person sees without a reason (None: the training store, whose
        cases are exercises, shows them all)."""
        if self.store.training:
            return None
        from desktop.session.access import view_for

        return view_for(self.profile, self.clock())

    def may_open(self, case_id: str) -> bool:
        """Whether the case opens without a reason (else: break-the-glass)."""
        view = self.view
        return view is None or self.store.cases.visible(case_id, view)

    def open_case(self, case_id: str) -> Case:
        """Open a case in view (audited as a read); raises BreakGlassRequired for any
        other case: it opens through :meth:`break_glass` with a reason."""
        if not self.may_open(case_id):
            from desktop.session.access import BreakGlassRequired

            raise BreakGlassRequired(case_id)
        return self.store.cases.open(case_id, self.actor)

    def break_glass(self, case_id: str, reason: str, note: str) -> Case:
        """Open a case outside the view with a reason from the list and a note: allowed
        at once, audited as ``break_glass`` (the case then stays in view for a while).
        Raises ReasonRefused (Dutch message, the field named) for an empty reason."""
        from desktop.session.access import check_reason

        check_reason(reason, note)
        self.store.cases.get(case_id)  # an unknown case: NotFoundError, nothing audited
        self.store.audit.append(
            self.actor,
            "break_glass",
            case_id=case_id,
            details={"reason": reason, "note": note.strip()},
            at=self.clock(),
        )
        return self.store.cases.open(case_id, self.actor)

    def access_log(self, case_id: str) -> list[dict[str, Any]]:
        """Wie heeft dit dossier ingezien: this desk's audit events of the case (who,
        when, what, from which device, under which reason), oldest first. The whole
        region's answer is ``doorloop-central audit case``."""
        rows = []
        for event in self.store.audit.events(case_id=case_id):
            details = event.details or {}
            reason = " — ".join(
                str(part) for part in (details.get("reason"), details.get("note")) if part
            )
            rows.append(
                {
                    "at": event.at_local,
                    "who": f"{event.display_name} ({event.role})",
                    "action": event.action,
                    "device": event.device_id,
                    "reason": reason,
                }
            )
        return rows

    def search_outside_view(
        self, search: str, reason: str, note: str, *, limit: int = 50
    ) -> list[CaseSummary]:
        """Older or closed cases matching `search` that are not in view: only with a
        reason (audited as ``break_glass`` with the search, no case yet)."""
        from desktop.session.access import check_reason

        check_reason(reason, note)
        view = self.view
        if view is None:
            return []
        self.store.audit.append(
            self.actor,
            "break_glass",
            details={"reason": reason, "note": note.strip(), "search": search},
            at=self.clock(),
        )
        return self.store.cases.summaries(search, limit=limit, view=view, hidden=True)

    def get_case(self, case_id: str) -> Case:
        """The current state of a case without a read event (the view already opened it)."""
        return self.store.cases.get(case_id)

    def summaries(self, search: str = "", **kwargs: Any) -> list[CaseSummary]:
        """The case list's rows: only the cases in this person's view."""
        return self.store.cases.summaries(search, view=self.view, **kwargs)

    def summary(self, case_id: str) -> CaseSummary | None:
        """One case's list row as stored now (None when unknown or withdrawn)."""
        return self.store.cases.summary(case_id)

    def unsynced_count(self) -> int:
        """Case versions not yet acknowledged by the central API (for the status bar)."""
        return self.store.unsynced_count()

    def export_case(self, case_id: str, path: Path) -> dict[str, Any]:
        """Write the case as JSON (DESIGN.md contract 4); audited as an export."""
        data = self.store.cases.get(case_id).to_json()
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.store.cases.record(
            self.actor, "export", case_id, {"format": "json", "file": path.name}
        )
        return data

    # -- the form of a case ----------------------------------------------------------------

    @staticmethod
    def form_for(case: Case) -> FormDefinition:
        """The form a case was taken with (its own id and version, never the newest)."""
        from desktop.forms import load_form

        return load_form(case.form_id, case.form_version)

    def evaluate(self, case: Case, answers: Mapping[str, Any] | None = None) -> FormState:
        """What the engine concludes from a case's answers (or the given ones) now."""
        from desktop.forms import evaluate

        return evaluate(
            self.form_for(case), case.answers if answers is None else answers, now=self.clock()
        )

    @staticmethod
    def is_decided(case: Case) -> bool:
        return is_decided(case.status, case.answers)

    def editable(self, case: Case, field_id: str) -> bool:
        """Whether this person may change the field now (the intake view asks per field):
        nothing of a closed case; of the triage stage, before the decision only a person
        who may decide, after it only the follow-up fields (the rest via an amendment)."""
        if case.status == Status.CLOSED.value:
            return False
        form = self.form_for(case)
        if form.section_of(field_id).stage != "triage":
            return True
        if self.is_decided(case):
            return field_id in FOLLOW_UP_FIELDS
        return self.may_decide()

    def edit_refusal(self, case: Case, changes: Mapping[str, Any]) -> str | None:
        """Why :meth:`save_answers` refuses these changes (Dutch), or None."""
        if case.status == Status.CLOSED.value:
            return _("Deze casus is gesloten en kan niet meer worden gewijzigd.")
        if self.is_decided(case):
            locked = sorted(
                fid for fid in changes if fid in self.decision_fields(self.form_for(case))
            )
            if locked:
                return _(
                    "Het triagebesluit is vastgelegd (afspraak is afspraak); "
                    "wijzig het via 'Wijzig besluit…'."
                )
        return None

    # -- the lock --------------------------------------------------------------------------

    def lock(
        self, before_close: Callable[[], None] | None = None, *, switching: bool = False
    ) -> None:
        """Audit the lock (``switch_user`` when handing the desk to another user), then
        close the store (the key leaves this connection); ``before_close`` runs in
        between (the UI hands the sync worker what is committed)."""
        if self.store.locked:
            return
        self.store.audit.append(self.actor, "switch_user" if switching else "lock")
        if before_close is not None:
            before_close()
        self.store.lock()

    def record_unlock(self) -> None:
        """Audit an unlock (after the store was opened again with a passphrase). When
        another user unlocked (*wissel gebruiker*), the session is theirs from now on:
        every action, audit event and version names them, with their role."""
        profile = self.store.profile()
        details: dict[str, Any] = {}
        if profile is not None and profile.local_id != self.profile.local_id:
            details["switched_from"] = self.profile.display_name
            self.profile = profile
        self.store.audit.append(self.actor, "unlock", details=details or None)

    @property
    def may_manage_users(self) -> bool:
        """Whether this user may add and remove users on the device."""
        return self.store.may_manage_users(self.profile)

    def add_user(self, display_name: str, role: str, passphrase: str) -> Profile:
        """Add a user of this device with their own passphrase (a key slot of their own);
        raises PermissionDenied for who may not, StoreError for a name that is taken."""
        if any(
            u.display_name.casefold() == display_name.strip().casefold() for u in self.store.users()
        ):
            from desktop.store import StoreError

            raise StoreError(f"a user named {display_name!r} exists")
        return self.store.add_user(display_name, role, passphrase, language=self.profile.language)

    def remove_user(self, local_id: str) -> None:
        """Remove a user of this device (their key slot is erased); not oneself."""
        self.store.remove_user(local_id)

    def change_passphrase(self, old: str, new: str) -> None:
        """This user's own new passphrase (only their key slot is wrapped again); raises
        WrongPassphrase when ``old`` is not their passphrase."""
        self.store.change_passphrase(old, new)

    # -- sync, where no engine runs ----------------------------------------------------------

    def sync_status(self, *, use_keyring: bool = True) -> SyncStatus:
        """The sync status from the store (offline: no engine runs on this connection);
        the same computation as ``SyncEngine.status`` (``desktop.sync.local``)."""
        from desktop.store.sync_state import SyncState
        from desktop.sync.credentials import Credentials
        from desktop.sync.local import sync_status

        state = SyncState(self.store.db, user=self.store.current_user)
        return sync_status(self.store, state, Credentials(state, use_keyring=use_keyring))

    def forget_sync_device(self, *, use_keyring: bool = True) -> None:
        """Log out without reaching the server: forget the device's token here and audit
        ``logout`` as not revoked (the server lists the device until an administrator
        revokes it); the same step as ``SyncEngine.logout`` after its request."""
        from desktop.store.sync_state import SyncState
        from desktop.sync.credentials import Credentials
        from desktop.sync.local import forget_device

        state = SyncState(self.store.db, user=self.store.current_user)
        credentials = Credentials(state, use_keyring=use_keyring)
        forget_device(self.store, state, credentials, revoked=False)

    @staticmethod
    def decision_fields(form: FormDefinition) -> frozenset[str]:
        """Fields that make up the triage decision (final once decided)."""
        fields = {
            field.id
            for section in form.sections
            if section.stage == "triage"
            for field in section.fields
            if field.id not in FOLLOW_UP_FIELDS
        }
        return frozenset(fields | set(RECORDED_DECISION_FIELDS))

    def may_decide(self) -> bool:
        from desktop.forms.workflow import next_statuses

        return "triaged" in next_statuses("ready_for_triage", self.role)

    def may_amend(self) -> bool:
        from desktop.forms.workflow import check_triage_amendment

        return bool(check_triage_amendment(self.role, "-"))

    def next_statuses(self, case: Case) -> list[str]:
        from desktop.forms.workflow import next_statuses

        return [status.value for status in next_statuses(case.status, self.role)]

    # -- autosave --------------------------------------------------------------------------

    def save_answers(self, case_id: str, changes: Mapping[str, Any]) -> Case:
        """Autosave typed answers (``None`` removes one) in one transaction with the
        outbox row and the audit event; derived values (the response deadline) are
        derived by the store from the saved version (``desktop.store.heads``).

        Refuses (TransitionError, Dutch reason) any edit of a closed case, edits of the
        triage decision once it is decided — those go through :meth:`amend_triage` —
        and values the product records itself.
        """
        from desktop.forms.workflow import TransitionError

        case = self.store.cases.get(case_id)
        form = self.form_for(case)
        changes = dict(changes)
        recorded = [fid for fid in changes if fid in RECORDED_DECISION_FIELDS]
        if recorded:
            raise TransitionError((_("Dit veld wordt door Doorloop zelf vastgelegd."),))
        unknown = [fid for fid in changes if not form.has_field(fid)]
        if unknown:
            raise TransitionError(
                (_("Onbekend veld: {fields}.").format(fields=", ".join(sorted(unknown))),)
            )
        refusal = self.edit_refusal(case, changes)
        if refusal:
            raise TransitionError((refusal,))
        changed_given = [
            fid
            for fid in sorted(changes)
            if fid in self.guarded_fields(form)
            and case.answers.get(fid) is not None
            and _merged(case.answers, {fid: changes[fid]}).get(fid) != case.answers.get(fid)
        ]
        if changed_given:  # a given risk or legal answer changes: a version of its own
            reason = _("Eerder gegeven antwoord gewijzigd: {fields}").format(
                fields=", ".join(pick(form.field(fid).label) for fid in changed_given)
            )
            return self.store.cases.save_answers(
                case_id, changes, self.actor, reason=reason, own_version=True
            )
        return self.store.cases.save_answers(case_id, changes, self.actor)

    @staticmethod
    def guarded_fields(form: FormDefinition) -> frozenset[str]:
        """The risk and legal answers (choices) that are guarded against a silent change."""
        return frozenset(
            field.id
            for section in form.sections
            if section.id in GUARDED_SECTIONS
            for field in section.fields
            if field.type in GUARDED_TYPES
        )

    def answer_changes(self, case_id: str) -> list[AnswerChange]:
        """Every change of a guarded answer after it was given, oldest first (from the
        case's versions: made here, pulled or reconciled)."""
        case = self.store.cases.get(case_id)
        guarded = self.guarded_fields(self.form_for(case))
        changes: list[AnswerChange] = []
        previous: dict[str, Any] = {}
        for stored in self.store.cases.versions(case_id):
            for fid in sorted(guarded):
                before, after = previous.get(fid), stored.answers.get(fid)
                if before is not None and after != before:
                    info = stored.version
                    changes.append(
                        AnswerChange(fid, info.created_at, info.created_by_name, before, after)
                    )
            previous = stored.answers
        return changes

    def record_banner(self, case_id: str, banner_id: str) -> Case:
        """Record (and audit) that an advice banner was shown; once per banner per case."""
        return self.store.cases.record_banner(case_id, banner_id, self.actor)

    # -- status steps ----------------------------------------------------------------------

    def _check(self, case: Case, target: str, answers: Mapping[str, Any]) -> None:
        from desktop.forms.workflow import TransitionError, check_transition

        check = check_transition(
            self.form_for(case), answers, case.status, target, self.role, now=self.clock()
        )
        if not check:
            raise TransitionError(check.reasons)

    def mark_ready(self, case_id: str) -> Case:
        """``draft → ready_for_triage`` when the hard requirements of the desk sections are met;
        else TransitionError listing (in Dutch) what is missing."""
        from desktop.forms.workflow import Status

        case = self.store.cases.get(case_id)
        self._check(case, Status.READY_FOR_TRIAGE, case.answers)
        return self.store.cases.set_status(case_id, "ready_for_triage", self.actor)

    def decide_triage(
        self,
        case_id: str,
        urgency: str,
        intervention: str,
        rationale: str,
        *,
        domains: list[str] | None = None,
        assigned_to: str | None = None,
        caller_informed_at: str | None = None,
        legal_flags: list[dict[str, Any]] | None = None,
        legal_decision_date: str | None = None,
    ) -> Case:
        """The triagist's decision: ``ready_for_triage → triaged``, recorded with who and
        when, the legal flags of the decision date, and the version sealed."""
        from desktop.forms import evaluate
        from desktop.forms.workflow import Status, TransitionError

        case = self.store.cases.get(case_id)
        form = self.form_for(case)
        now = self.clock()
        decision: dict[str, Any] = {
            "triage.urgency": urgency,
            "triage.intervention": intervention,
            "triage.rationale": rationale.strip() if isinstance(rationale, str) else rationale,
        }
        if domains is not None:
            decision["triage.domains"] = list(domains) or None
        if assigned_to is not None:
            decision["triage.assigned_to"] = assigned_to.strip() or None
        if caller_informed_at is not None:
            decision["triage.caller_informed_at"] = caller_informed_at or None
        decision.update(
            {
                "triage.decided_by": self.profile.display_name,
                "triage.decided_by_id": self.profile.user_id,
                "triage.decided_at": now.isoformat(),
            }
        )
        merged = _merged(case.answers, decision)
        self._check(case, Status.TRIAGED, merged)
        state = evaluate(form, merged, now=now)
        bad = {fid: state.errors[fid] for fid in decision if fid in state.errors}
        if bad:
            raise TransitionError(
                tuple(f"{pick(form.field(fid).label)}: {msg}" for fid, msg in bad.items())
            )
        if legal_flags is None:
            decision_day = date.fromisoformat(legal_decision_date) if legal_decision_date else None
            legal_flags, decided_on = _legal_flags(merged, decision_day or now.date())
            legal_decision_date = legal_decision_date or decided_on
        return self.store.cases.set_status(
            case_id,
            "triaged",
            self.actor,
            answers=decision,
            legal_flags=legal_flags,
            legal_decision_date=legal_decision_date or now.date().isoformat(),
            seal=True,
            action="decide",
        )

    def amend_triage(self, case_id: str, changes: Mapping[str, Any], reason: str) -> Case:
        """A triagist changes a decided triage, with a reason: a new sealed version naming
        its base; the earlier decision stays in the history."""
        from desktop.forms import evaluate
        from desktop.forms.workflow import TransitionError, check_triage_amendment

        check = check_triage_amendment(self.role, reason)
        if not check:
            raise TransitionError(check.reasons)
        case = self.store.cases.get(case_id)
        form = self.form_for(case)
        if not self.is_decided(case):
            raise TransitionError((_("Er is nog geen triagebesluit om te wijzigen."),))
        allowed = self.decision_fields(form) - set(RECORDED_DECISION_FIELDS) | FOLLOW_UP_FIELDS
        outside = sorted(fid for fid in changes if fid not in allowed)
        if outside:
            raise TransitionError(
                (
                    _("Alleen velden van het triagebesluit zijn zo te wijzigen: {f}.").format(
                        f=", ".join(outside)
                    ),
                )
            )
        now = self.clock()
        amended = {
            **dict(changes),
            "triage.decided_by": self.profile.display_name,
            "triage.decided_by_id": self.profile.user_id,
            "triage.decided_at": now.isoformat(),
        }
        merged = _merged(case.answers, amended)
        state = evaluate(form, merged, now=now)
        problems = [
            f"{pick(form.field(fid).label)}: {state.errors[fid]}"
            for fid in changes
            if fid in state.errors
        ]
        problems += [
            _("Nog niet (goed) ingevuld: {fields}.").format(fields=pick(form.field(fid).label))
            for section in form.sections
            if section.stage == "triage"
            for fid in state.sections[section.id].missing
        ]
        if problems:
            raise TransitionError(tuple(problems))
        legal_flags, decided_on = _legal_flags(merged, now.date())
        return self.store.cases.set_status(
            case_id,
            case.status,
            self.actor,
            answers=amended,
            legal_flags=legal_flags,
            legal_decision_date=decided_on,
            seal=True,
            reason=reason.strip(),
            action="amend",
        )

    def correct(self, case_id: str, changes: Mapping[str, Any], reason: str) -> Case:
        """A correction on request of the young person or parent (AVG art. 16): a new
        sealed version with the reason, on any status (a closed case too); the earlier
        version stays in the history. The triage decision is changed by
        :meth:`amend_triage` only; a correction needs a reason."""
        from desktop.forms import evaluate
        from desktop.forms.workflow import TransitionError

        if not (reason or "").strip():
            raise TransitionError((_("Geef de reden van de correctie (verzoek van wie, wat)."),))
        case = self.store.cases.get(case_id)
        form = self.form_for(case)
        decision = sorted(fid for fid in changes if fid in self.decision_fields(form))
        unknown = sorted(fid for fid in changes if not form.has_field(fid))
        if decision or unknown:
            raise TransitionError(
                (
                    _("Deze velden zijn zo niet te corrigeren: {f}.").format(
                        f=", ".join(decision + unknown)
                    ),
                )
            )
        now = self.clock()
        state = evaluate(form, _merged(case.answers, changes), now=now)
        problems = [
            f"{pick(form.field(fid).label)}: {state.errors[fid]}"
            for fid in changes
            if fid in state.errors
        ]
        if problems:
            raise TransitionError(tuple(problems))
        if not case.version.sealed:  # keep what stood before: the correction builds on it
            self.store.cases.set_status(case_id, case.status, self.actor, seal=True)
        return self.store.cases.set_status(
            case_id,
            case.status,
            self.actor,
            answers=dict(changes),
            seal=True,
            reason=f"AVG art. 16: {reason.strip()}",  # stored data: one language
            action="amend",
        )

    def hand_over(self, case_id: str) -> Case:
        """``triaged → handed_over`` when the handover requirements are met."""
        from desktop.forms.workflow import Status

        case = self.store.cases.get(case_id)
        self._check(case, Status.HANDED_OVER, case.answers)
        return self.store.cases.set_status(case_id, "handed_over", self.actor)

    def close(self, case_id: str) -> Case:
        """``handed_over → closed``."""
        from desktop.forms.workflow import Status

        case = self.store.cases.get(case_id)
        self._check(case, Status.CLOSED, case.answers)
        return self.store.cases.set_status(case_id, "closed", self.actor)

    # -- history ---------------------------------------------------------------------------

    def history(self, case_id: str) -> list[HistoryEntry]:
        """Every version of a case, oldest first (by number, then time), with who, when and
        why; each version is compared with its own base, so a version made on another
        device is not compared with this desk's version of the same number."""
        case = self.store.cases.get(case_id)
        form = self.form_for(case)
        versions = self.store.cases.versions(case_id)
        by_id = {stored.version.id: stored for stored in versions}
        versions.sort(key=lambda v: (v.version.number, v.version.created_at))
        entries: list[HistoryEntry] = []
        for stored in versions:
            info = stored.version
            base = by_id.get(info.base_version_id) if info.base_version_id else None
            previous = dict(base.answers) if base is not None else {}
            if info.base_version_id and base is None:
                changed: tuple[str, ...] = ()  # its base is not here: nothing to compare
                why = _reason_text(info.reason) or _(
                    "Versie van een ander apparaat (de basisversie is niet op deze desk)"
                )
            else:
                changed = tuple(
                    sorted(
                        key
                        for key in set(previous) | set(stored.answers)
                        if previous.get(key) != stored.answers.get(key)
                    )
                )
                why = _why(
                    form,
                    _reason_text(info.reason),
                    previous,
                    stored.answers,
                    base.version.status if base is not None else None,
                    info.status,
                )
            entries.append(
                HistoryEntry(
                    number=info.number,
                    version_id=info.id,
                    base_version_id=info.base_version_id,
                    status=info.status,
                    created_at=info.created_at,
                    created_by=info.created_by,
                    created_by_name=info.created_by_name,
                    device_id=info.device_id,
                    reason=info.reason,
                    why=why,
                    sealed=info.sealed,
                    changed=changed,
                    answers=dict(stored.answers),
                    base_number=base.version.number if base is not None else None,
                    base_answers=previous,
                )
            )
        return entries


def _reason_text(reason: str | None) -> str | None:
    """A version's reason as a person reads it: the app's own codes in words, a reason a
    person typed as it is."""
    if reason == "reconcile":
        return _("Samengevoegd na gelijktijdige wijzigingen op twee apparaten")
    return reason


def _merged(answers: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(answers)
    for key, value in changes.items():
        if value is None or value == "" or value == []:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _why(
    form: FormDefinition,
    reason: str | None,
    before_answers: Mapping[str, Any],
    answers: Mapping[str, Any],
    before: str | None,
    after: str,
) -> str:
    """Why a version exists: its reason, else the decision or status step it records."""
    if reason:
        return reason
    decided = answers.get("triage.decided_at")
    if decided and decided != before_answers.get("triage.decided_at"):
        parts = [
            form.option_label(fid, answers[fid])
            for fid in ("triage.urgency", "triage.intervention")
            if fid in answers
        ]
        return _("Triagebesluit vastgelegd: {decision}").format(decision=", ".join(parts))
    if before is None:
        return _("Intake aangemaakt")
    if before != after:
        return _("Status: {before} → {after}").format(
            before=form.status_label(before), after=form.status_label(after)
        )
    return _("Bewerkt")


def _legal_flags(
    answers: Mapping[str, Any], decision_day: date
) -> tuple[list[dict[str, Any]], str]:
    """The rules engine's flags for the decision date (empty while the facts are missing),
    each stamped with the rules version they were evaluated with."""
    from desktop.session import legal  # a packaging fault fails the decision, loudly

    advice = legal.advice_for(dict(answers), decision_day)
    return legal.recorded_flags(advice), advice.decision_date.isoformat()
