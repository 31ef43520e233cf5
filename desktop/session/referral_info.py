"""What the desk UI shows and sends about referrals, beyond the moves. Qt-free.

- :func:`targets`: the parties a case can be referred to: the units of the region's
  directory the desk pulled (the providers of the *sociale kaart*);
- :func:`summary_for`: the ``summary`` of a request, built from the same report code as
  the handover and the referrer feedback letter (``desktop.reports``), with the keys
  the central web page for receivers reads (``urgency``, ``age_band``, ``legal_route``,
  ``setting``, ``feedback``, ``handover``);
- :func:`refer_with_summary` and :func:`reassign`: *Overdragen aan…* and a
  coordinator's re-assignment (cancel with a reason + a new referral, one flow);
- :func:`history`: the moves of a referral with who and when;
- :func:`party_text` and :func:`report_data`: the party in words, and what the
  handover PDF and the feedback letter print about the case's referral.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coordination.referrals import Referral, RefStatus
from desktop.i18n import _
from desktop.session.referrals import ReferralRefused

if TYPE_CHECKING:
    from desktop.reports import Section
    from desktop.session.desk import DeskSession
    from desktop.store import ReferralView


@dataclass(frozen=True)
class Target:
    """A unit of the directory a case can be referred to."""

    unit_id: str
    organization_id: str
    name: str
    organization: str
    phone: str | None = None

    @property
    def label(self) -> str:
        if self.organization and self.organization != self.name:
            return f"{self.name} — {self.organization}"
        return self.name


def targets(session: DeskSession) -> list[Target]:
    """The directory units this desk knows (pulled reference data), by name.

    A provider's ``organisation`` is the directory organisation its receivers are bound
    to (``doorloop-central user add … --role receiver --organization``); a provider
    without one is its own organisation."""
    from desktop.store.sync_state import SyncState

    found = []
    for item in SyncState(session.store.db).reference("provider"):
        unit_id = str(item.get("id") or "")
        if not unit_id:
            continue
        organization = str(item.get("organisation") or "")
        found.append(
            Target(
                unit_id=unit_id,
                organization_id=organization or unit_id,
                name=str(item.get("name") or unit_id),
                organization=organization,
                phone=item.get("phone") or None,
            )
        )
    return sorted(found, key=lambda t: (t.name.lower(), t.unit_id))


def target_of(session: DeskSession, unit_id: str | None) -> Target | None:
    return next((t for t in targets(session) if t.unit_id == unit_id), None)


def party_text(session: DeskSession, referral: Referral) -> str:
    """Who the referral goes to, in words (the unit's name when the desk knows it)."""
    if referral.to_unit_id:
        target = target_of(session, referral.to_unit_id)
        return target.label if target is not None else referral.to_unit_id
    return referral.to_name or _("onbekende partij")


# ------------------------------------------------------------------------------- summary

AGE_BANDS = {
    "under_12": "0–11",
    "12_15": "12–15",
    "16_17": "16–17",
    "18_22": "18–22",
    "23_plus": "23+",
}


def _case_json(session: DeskSession, case_id: str) -> dict[str, Any]:
    from desktop.session.printing import triage_amendments

    data = session.store.cases.get(case_id).to_json()
    data["amendments"] = triage_amendments(session, case_id)
    return data


def sections_text(sections: Iterable[Section]) -> str:
    """Report sections as plain text: a title line, then ``label: value`` lines."""
    blocks = []
    for section in sections:
        lines = [section.title.upper()]
        for row in section.rows:
            value = f"{row.value} ({row.note})" if row.note else row.value
            lines.append(f"{row.label}: {value}" if row.label else value)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def summary_for(session: DeskSession, case_id: str, lang: str = "nl") -> dict[str, Any]:
    """The request's ``summary``: what a receiver sees before accepting (urgency, age
    band, legal route, setting, what the referrer feedback shows) and, after accepting,
    the handover itself, in the words of the handover and feedback reports."""
    from desktop.forms.text import answer_text
    from desktop.i18n import pick
    from desktop.reports import feedback_contents, handover_contents
    from desktop.reports.text import translator

    case = session.get_case(case_id)
    form = session.form_for(case)
    state = session.evaluate(case)
    data = _case_json(session, case_id)
    answers = case.answers
    summary: dict[str, Any] = {}
    code = answers.get("triage.urgency")
    if code:
        try:
            summary["urgency"] = f"{code} {pick(form.urgency_level(str(code)).label, lang)}"
        except KeyError:
            summary["urgency"] = str(code)
    band = AGE_BANDS.get(str(state.derived.get("youth.age_band")))
    if band:
        _ = translator(lang)[0]  # the summary's language, as the reports
        summary["age_band"] = _("{band} jaar").format(band=band)
    for key, field_id in (("legal_route", "legal.care_type"), ("setting", "triage.intervention")):
        value = answers.get(field_id)
        if value not in (None, "", []) and form.has_field(field_id):
            summary[key] = answer_text(form, field_id, value, lang, None)
    feedback = [s for s in feedback_contents(data, lang, form=form) if s.id != "to"]
    summary["feedback"] = sections_text(feedback)
    summary["handover"] = sections_text(handover_contents(data, lang, form=form))
    return summary


# ------------------------------------------------------------------------------- moves


def refer_with_summary(
    session: DeskSession,
    case_id: str,
    *,
    target: Target | None = None,
    name: str | None = None,
    phone: str | None = None,
    note: str | None = None,
) -> ReferralView:
    """*Overdragen aan…*: a referral to a directory unit (``target``) or a named party,
    carrying the summary of the handover and feedback reports."""
    name = (name or "").strip() or None
    if target is None and name is None:
        raise ReferralRefused(
            _("Kies een eenheid uit de sociale kaart of vul een naam in."),
            field="payload.to_name",
            code="missing",
        )
    summary = summary_for(session, case_id)
    if target is not None:
        return session.referrals.refer(
            case_id,
            unit_id=target.unit_id,
            organization_id=target.organization_id,
            note=note,
            summary=summary,
        )
    return session.referrals.refer(
        case_id, name=name, phone=(phone or "").strip() or None, note=note, summary=summary
    )


def reassign(
    session: DeskSession,
    referral_id: str,
    reason: str,
    *,
    target: Target | None = None,
    name: str | None = None,
    phone: str | None = None,
    note: str | None = None,
) -> ReferralView:
    """Re-assign from *Verlopen afspraken*: cancel the referral with ``reason`` and make
    a new one in one flow. Both inputs are checked before anything is stored; if the
    new referral is refused after the cancel, the case stands on *Plaatsing nodig*."""
    if not reason.strip():
        raise ReferralRefused(
            _("Geef een reden voor het intrekken."), field="payload.reason", code="missing"
        )
    if target is None and not (name or "").strip():
        raise ReferralRefused(
            _("Kies een eenheid uit de sociale kaart of vul een naam in."),
            field="payload.to_name",
            code="missing",
        )
    view = session.referrals.get(referral_id)
    if view is None:
        raise ReferralRefused(
            _("Deze verwijzing is niet bekend op dit apparaat."),
            field="referral_id",
            code="unknown_referral",
        )
    if view.referral.is_open:
        session.referrals.cancel(referral_id, reason.strip())
    return refer_with_summary(
        session, view.referral.case_id, target=target, name=name, phone=phone, note=note
    )


# ------------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    move: str
    what: str
    detail: str


def move_labels() -> dict[str, str]:
    return {
        "request": _("Verzonden"),
        "receive": _("Ontvangst bevestigd"),
        "accept": _("Geaccepteerd"),
        "decline": _("Afgewezen"),
        "start": _("Eerste contact gehad"),
        "complete": _("Afgerond"),
        "cancel": _("Ingetrokken"),
        "breach": _("Termijn verlopen"),
    }


def history(session: DeskSession, view: ReferralView) -> list[HistoryLine]:
    """The referral's moves, oldest first, with who made them and the detail that
    matters (reason, agreed time, on whose behalf)."""
    from desktop.session.referrals import decline_reason_labels, timer_labels

    labels = move_labels()
    reasons = decline_reason_labels()
    lines = []
    for event in view.referral.events:
        payload = event.payload
        who = event.actor_name or event.actor_id
        if event.move == "breach":
            who = _("centrale server")
        details = []
        if payload.get("on_behalf_of"):
            details.append(_("namens {who}").format(who=payload["on_behalf_of"]))
        if event.move == "decline" and payload.get("reason"):
            details.append(reasons.get(str(payload["reason"]), str(payload["reason"])))
        if payload.get("text"):
            details.append(str(payload["text"]))
        if event.move == "cancel" and payload.get("reason"):
            details.append(str(payload["reason"]))
        if event.move == "accept" and payload.get("first_contact_at"):
            from desktop import timefmt

            details.append(
                _("eerste contact afgesproken {when}").format(
                    when=timefmt.format_moment(str(payload["first_contact_at"]))
                )
            )
        if event.move == "breach" and payload.get("timer"):
            details.append(timer_labels().get(str(payload["timer"]), str(payload["timer"])))
        if payload.get("note"):
            details.append(str(payload["note"]))
        lines.append(
            HistoryLine(event.at, who, event.move, labels.get(event.move, event.move),
                        "; ".join(details))
        )  # fmt: skip
    return lines


def accepted_by(referral: Referral) -> tuple[str, datetime] | None:
    """Who accepted the referral (name, and on whose behalf) and when."""
    for event in referral.events:
        if event.move == "accept":
            who = event.actor_name or event.actor_id
            behalf = event.payload.get("on_behalf_of")
            if behalf:
                who = _("{who} (namens {party})").format(who=behalf, party=who)
            return who, event.at
    return None


def feedback_ready(session: DeskSession, case_id: str) -> bool:
    """The referrer feedback letter is offered once the case's referral is accepted."""
    views = session.referrals.of_case(case_id)
    return bool(views) and views[-1].referral.status in (
        RefStatus.ACCEPTED,
        RefStatus.IN_PROGRESS,
        RefStatus.COMPLETED,
    )


def report_data(session: DeskSession, case_id: str) -> Mapping[str, Any] | None:
    """The case's latest referral as the reports print it (``case["referral"]``)."""
    views = session.referrals.of_case(case_id)
    if not views:
        return None
    referral = views[-1].referral
    data: dict[str, Any] = {
        "party": party_text(session, referral),
        "status": referral.status.value,
        "requested_at": referral.requested_at.isoformat(),
    }
    for key, moment in (
        ("acknowledge_by", referral.acknowledge_by),
        ("first_contact_by", referral.first_contact_by),
        ("first_contact_agreed", referral.first_contact_agreed),
        ("received_at", referral.received_at),
    ):
        if moment is not None:
            data[key] = moment.isoformat()
    accepted = accepted_by(referral)
    if accepted is not None:
        data["accepted_by"], at = accepted
        data["accepted_at"] = at.isoformat()
    if referral.decline_reason:
        data["decline_reason"] = referral.decline_reason
    return data
