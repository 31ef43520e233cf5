"""What goes into a handover or feedback report: sections and rows as plain data.

Pure functions over a case dict (docs/internal-api.md, "Case JSON") and its form
definition; no reportlab here. The PDF layout (:mod:`desktop.reports.pdf`), the UI's
print preview and the audit log ("what was included") all use the same
:class:`Section` list, so what is previewed, printed and logged is one thing.

Labels, option words, section titles, banner texts and urgency words come from the form
definition; only the report's own words (headings the format has no field for, "ja",
"nee", severity words) are static text through the gettext catalogue. Empty answers
are left out, and so are sections without rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop import timefmt
from desktop.forms import Field, FormDefinition, UrgencyLevel, load_form
from desktop.forms.engine import evaluate
from desktop.forms.text import answer_text
from desktop.i18n import pick
from desktop.reports.text import translator
from doorloop_protocol.workflow import RECORDED_DECISION_FIELDS

RowKind = Literal["field", "text", "quote", "urgency", "banner", "flag", "notice"]

#: Values recorded by the product (not typed) that may sit in ``answers``.
RECORDED_FIELDS = RECORDED_DECISION_FIELDS

#: Text longer than this (or with line breaks) flows as paragraphs instead of sitting
#: in a table row, whose rows never split across pages.
LONG_TEXT = 160

FEEDBACK_EXTRAS = frozenset({"risk", "background"})

# Fields the handover never prints: identifiers a receiving clinician gets through
# their own channel, and product bookkeeping.
_HANDOVER_LEAVES_OUT = frozenset({"youth.bsn", "triage.decided_by_id"})

#: Risk answers that mean "this does not apply now" (not printed among current risks).
NOT_A_RISK = frozenset({"no", "none", "past", False})

#: The sections of the handover's first page (the one-look summary).
FIRST_PAGE = frozenset({"summary", "risk_now", "decision", "who_acts", "consent"})

#: The legal answers the consents turn on: on the first page, with the flags.
CONSENT_FACTS = (
    "legal.care_type",
    "legal.youth_position",
    "legal.youth_competent",
    "legal.parents_position",
)

#: Answers the handover's first page shows; the full sections after it leave them out.
ON_FIRST_PAGE = (
    "call.received_at",
    "triage.urgency",
    "youth.current_location",
    "youth.current_address",
    "triage.intervention",
    "triage.assigned_to",
    "triage.rationale",
    "handover.to_organisation",
    "handover.to_contact",
    "handover.to_phone",
    "handover.next_contact_at",
    "handover.agreements",
    "handover.informed",
    "handover.consent_to_inform_parents",
)


@dataclass(frozen=True)
class Row:
    """One line of a report.

    ``kind`` tells the layout how to show it: ``field`` a label/value table row,
    ``text`` long free text that may flow across pages, ``quote`` the youth's own
    words (prominent), ``urgency`` the urgency code and word with the deadline in
    ``note``, ``banner`` an advice banner that was shown (``note``: when),
    ``flag`` a legal flag (``label`` severity word, ``note`` citations), ``notice``
    a line of report text without a label.
    """

    label: str
    value: str
    kind: RowKind = "field"
    field_ids: tuple[str, ...] = ()
    note: str = ""
    colour: str | None = None


@dataclass(frozen=True)
class Section:
    """A titled group of rows, in print order."""

    id: str
    title: str
    rows: tuple[Row, ...] = field(default_factory=tuple)
    compact: bool = False
    """Smaller type (the handover's full sections after its one-look first page)."""
    paired: bool = False
    """Short label/value rows sit two to a line."""

    @property
    def field_ids(self) -> tuple[str, ...]:
        """The answer field ids shown in this section, in order, once each."""
        return tuple(dict.fromkeys(fid for row in self.rows for fid in row.field_ids))


def included_fields(sections: Iterable[Section]) -> list[str]:
    """Every answer field id a report shows, in order (for the audit log)."""
    return list(dict.fromkeys(fid for section in sections for fid in section.field_ids))


def short_id(case: Mapping[str, Any]) -> str:
    """The first 8 characters of the case uuid, as printed in headers."""
    return str(case.get("id", ""))[:8]


# --------------------------------------------------------------------------- values


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 datetime as stored in answers (``Z`` allowed)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def format_date(value: date) -> str:
    """A date the Dutch way: ``23-11-2026`` (see :mod:`desktop.timefmt`)."""
    return timefmt.format_date(value)


def format_datetime(value: datetime, zone: tzinfo | None = None) -> str:
    """A datetime as ``23-11-2026 03:12`` in local time (``zone``, default the desk's)."""
    return timefmt.format_datetime(value, zone)


def display_zone(form: FormDefinition) -> tzinfo | None:
    """The time zone a form's datetimes are shown in (its ``timezone``), if it names one."""
    name = getattr(form, "timezone", None)
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def form_for(case: Mapping[str, Any], form: FormDefinition | None) -> FormDefinition:
    """The given form definition, or the one the case was taken with."""
    if form is not None:
        return form
    meta = case.get("form") or {}
    return load_form(meta.get("id", "intake"), str(meta.get("version", "1")))


class _Builder:
    """Turns answers into rows for one language; shared by both reports."""

    def __init__(self, case: Mapping[str, Any], lang: str, form: FormDefinition) -> None:
        self.case = case
        self.lang = lang
        self.form = form
        self.answers: Mapping[str, Any] = case.get("answers") or {}
        self._, self.ngettext = translator(lang)
        self.zone = display_zone(form)
        self.state = evaluate(form, dict(self.answers), now=_reference_time(self.answers))

    # -- field metadata --------------------------------------------------------
    def known(self, field_id: str) -> bool:
        return self.form.has_field(field_id)

    def label(self, field_id: str) -> str:
        return pick(self.form.field(field_id).label, self.lang)

    def visible(self, field_id: str) -> bool:
        """Answers of hidden fields (e.g. stale after a change) are not printed."""
        return field_id in self.state.visible or field_id in RECORDED_FIELDS

    def present(self, field_id: str) -> bool:
        return _present(self.answers.get(field_id)) and self.visible(field_id)

    # -- values ----------------------------------------------------------------
    def value_text(self, field_id: str, value: Any) -> str:
        """The answer as printed; a value the form would reject is printed as it is."""
        try:
            return self._value_text(field_id, value)
        except (TypeError, ValueError, AttributeError):
            return str(value)

    def _value_text(self, field_id: str, value: Any) -> str:
        return answer_text(self.form, field_id, value, self.lang, self.zone)

    def moment(self, value: str | datetime) -> str:
        """A datetime shown in the form's time zone (the desk's local time)."""
        moment = parse_datetime(value) if isinstance(value, str) else value
        return format_datetime(moment, self.zone)

    def field_row(self, field_id: str, *, kind: RowKind | None = None) -> Row | None:
        """The row for one answer, or None when it is empty, hidden or unknown."""
        if not self.known(field_id) or not self.present(field_id):
            return None
        value = self.answers[field_id]
        text = self.value_text(field_id, value)
        if kind is None:
            kind = "text" if len(text) > LONG_TEXT or "\n" in text.strip() else "field"
        return Row(self.label(field_id), text, kind, (field_id,))

    def section_rows(self, section_id: str, *, skip: Iterable[str] = ()) -> list[Row]:
        """Rows for every answered field of a form section, in form order."""
        leave_out = set(skip) | _HANDOVER_LEAVES_OUT
        rows = []
        for form_field in _section_fields(self.form, section_id):
            if form_field.id in leave_out:
                continue
            row = self.field_row(form_field.id)
            if row is not None:
                rows.append(row)
        return rows

    def section_title(self, section_id: str) -> str:
        return pick(self.form.section(section_id).title, self.lang)

    # -- composite rows --------------------------------------------------------
    def name_row(self) -> Row | None:
        ids = [fid for fid in ("youth.first_name", "youth.last_name") if self.present(fid)]
        if not ids:
            return None
        return Row(
            self._("Naam"), " ".join(str(self.answers[fid]) for fid in ids), "field", tuple(ids)
        )

    def age_row(self) -> Row | None:
        """The age on the call date, from the birth date (an estimate is its own field)."""
        age = self.state.derived.get("youth.age")
        if not age or age.get("estimated"):
            return None
        years = age["years"]
        text = self.ngettext("{n} jaar", "{n} jaar", years).format(n=years)
        return Row(self._("Leeftijd"), text, "field", ("youth.birth_date",))

    def status_row(self) -> Row | None:
        """The case status in the form's words (a draft must not pass for a decision)."""
        try:
            status = self.form.status_label(str(self.case.get("status")), self.lang)
        except KeyError:
            return None
        return Row(self._("Status"), status, "field")

    def urgency_level(self) -> UrgencyLevel | None:
        try:
            return self.form.urgency_level(str(self.answers.get("triage.urgency")))
        except KeyError:
            return None

    def deadline(self) -> datetime | None:
        """The response deadline the forms engine derived (received + the level's target)."""
        value = self.state.derived.get("triage.deadline")
        return parse_datetime(value) if value else None

    def urgency_row(self, *, with_deadline: bool) -> Row | None:
        if not self.present("triage.urgency"):
            return None
        _ = self._
        level = self.urgency_level()
        code = str(self.answers["triage.urgency"])
        word = pick(level.label, self.lang) if level is not None else ""
        value = f"{code} — {word}" if word and word != code else code
        note = ""
        if with_deadline:
            deadline = self.deadline()
            if deadline is not None:
                note = _("Reageren vóór {moment}").format(moment=self.moment(deadline))
            elif level is not None and not (level.target_minutes or level.target_working_days):
                note = _("Geen reactietermijn")
        colour = level.colour if level is not None else None
        return Row(
            self.label("triage.urgency"), value, "urgency", ("triage.urgency",), note, colour
        )

    def decided_rows(self) -> list[Row]:
        """Who decided the triage and when (values the product recorded)."""
        rows = []
        for field_id in ("triage.decided_by", "triage.decided_at"):
            if self.known(field_id) and _present(self.answers.get(field_id)):
                value = self.value_text(field_id, self.answers[field_id])
                rows.append(Row(self.label(field_id), value, "field", (field_id,)))
        return rows

    def shown_at(self) -> dict[str, str]:
        """When each banner was first shown (banner id → ISO moment)."""
        moments: dict[str, str] = {}
        for shown in self.case.get("banners_shown") or ():
            if isinstance(shown, Mapping) and shown.get("id") and shown.get("shown_at"):
                moments.setdefault(str(shown["id"]), str(shown["shown_at"]))
        return moments

    def banner_text(self, banner_id: str) -> str:
        try:
            return pick(self.form.banner(banner_id).text, self.lang)
        except KeyError:
            return banner_id

    def banner_rows(self) -> list[Row]:
        """The advice that applies to the answers as they are now (with when it was
        first shown): a banner that no longer applies is not advice any more."""
        _ = self._
        shown = self.shown_at()
        rows = []
        for banner_id in self.state.banners:
            when = shown.get(banner_id)
            note = _("getoond om {moment}").format(moment=self.moment(when)) if when else ""
            rows.append(Row(_("Advies"), self.banner_text(banner_id), "banner", (), note))
        return rows

    def superseded_banner_rows(self) -> list[Row]:
        """Banners shown during the intake that no longer apply: history, not advice."""
        _ = self._
        rows = []
        for banner_id, when in self.shown_at().items():
            if banner_id in self.state.banners:
                continue
            note = _("getoond om {moment}, past niet meer bij de antwoorden").format(
                moment=self.moment(when)
            )
            text = f"{self.banner_text(banner_id)} ({note})"
            rows.append(Row(_("Eerder getoond"), text, "field"))
        return rows

    def flag_rows(self) -> list[Row]:
        _ = self._
        words = {
            "required": _("Vereist"),
            "warning": _("Let op"),  # the legal panel's word
            "info": _("Ter informatie"),
        }
        rows = []
        for flag in self.case.get("legal_flags") or ():
            title = pick(flag.get("title"), self.lang)
            # the title is what a person reads; the code is for the audit log only
            value = title or str(flag.get("code", ""))
            if flag.get("detail"):
                value += f" ({_detail_text(flag['detail'])})"
            citations = "; ".join(flag.get("citations") or ())
            severity = str(flag.get("severity", ""))
            rows.append(Row(words.get(severity, severity), value, "flag", (), citations))
        if rows:
            # flags recorded before rules version 2 carry no version: they are version 1
            versions = sorted(
                {str(flag.get("rules_version") or "1") for flag in self.case["legal_flags"]}
            )
            rows.append(
                Row(
                    "",
                    _("Vastgelegd met de juridische regels versie {version}.").format(
                        version=", ".join(versions)
                    ),
                    "notice",
                )
            )
        return rows

    # -- the one-look summary (page 1 of the handover) ---------------------------------
    def amendments(self) -> list[Mapping[str, Any]]:
        """The triage amendments the case carries (``amendments``), oldest first."""
        items = [a for a in self.case.get("amendments") or () if isinstance(a, Mapping)]
        return sorted(items, key=lambda a: str(a.get("at") or ""))

    def amendment_text(self, amendment: Mapping[str, Any]) -> str:
        """'04:20 door Tessa Bakker: reason (gewijzigd: Besluit / interventie)'."""
        _ = self._
        changed = [
            self.label(fid)
            for fid in amendment.get("fields") or ()
            if self.known(fid) and fid not in RECORDED_FIELDS
        ]
        text = _("{moment} door {who}: {reason}").format(
            moment=self.moment(amendment["at"]) if amendment.get("at") else "?",
            who=amendment.get("by") or "?",
            reason=str(amendment.get("reason") or "").strip() or _("(geen reden)"),
        )
        if changed:
            text += " " + _("(gewijzigd: {fields})").format(fields=", ".join(changed))
        return text

    def decided_row(self) -> Row | None:
        """Who decided the triage and when, as one line ("Tessa Bakker, 23-11-2026 03:58")."""
        ids = [fid for fid in ("triage.decided_by", "triage.decided_at") if self.present(fid)]
        if not ids:
            return None
        value = ", ".join(self.value_text(fid, self.answers[fid]) for fid in ids)
        return Row(self._("Besloten door"), value, "field", tuple(ids))

    def rationale_row(self) -> Row | None:
        """The latest rationale; after an amendment that kept it, says it is the earlier one."""
        row = self.field_row("triage.rationale", kind="text")
        if row is None:
            return None
        amendments = self.amendments()
        if not amendments or "triage.rationale" in (amendments[-1].get("fields") or ()):
            return row
        _ = self._
        label = _("Motivering (van het besluit vóór de wijziging)")
        return Row(label, row.value, "text", row.field_ids)

    def risk_now_rows(self) -> list[Row]:
        """The risks that apply now (a positive answer), and which are still unknown."""
        _ = self._
        rows: list[Row] = []
        unknown: list[str] = []
        for form_field in _section_fields(self.form, "risk"):
            fid = form_field.id
            if form_field.type not in ("choice", "ynu", "yesno") or not self.present(fid):
                continue
            value = self.answers[fid]
            if value in NOT_A_RISK:
                continue
            if value == "unknown":
                unknown.append(self.label(fid))
                continue
            rows.append(Row(self.label(fid), self.value_text(fid, value), "field", (fid,)))
        if unknown:
            rows.append(Row(_("Nog onbekend"), ", ".join(unknown), "field"))
        return rows

    def joined_row(self, label: str, field_ids: Sequence[str], sep: str = ", ") -> Row | None:
        """One row of several short answers (e.g. organisation, contact, phone)."""
        ids = [fid for fid in field_ids if self.known(fid) and self.present(fid)]
        if not ids:
            return None
        value = sep.join(self.value_text(fid, self.answers[fid]) for fid in ids)
        return Row(label, value, "field", tuple(ids))

    def referral_rows(self, *, feedback: bool = False) -> list[Row]:
        """The case's referral (``case["referral"]``, filled by the desk): the party,
        its status and both agreed times; the feedback letter names who picked it up
        and when instead of the timers."""
        referral = self.case.get("referral")
        if not isinstance(referral, Mapping):
            return []
        _ = self._
        statuses = {
            "requested": _("Verzonden"),
            "received": _("Ontvangen"),
            "accepted": _("Geaccepteerd"),
            "declined": _("Afgewezen"),
            "in_progress": _("Eerste contact gehad"),
            "completed": _("Afgerond"),
            "cancelled": _("Ingetrokken"),
        }
        status = str(referral.get("status") or "")
        rows = [
            Row(_("Verwezen naar"), str(referral.get("party") or "")),
            Row(_("Status verwijzing"), statuses.get(status, status)),
        ]

        def when(key: str) -> str | None:
            value = referral.get(key)
            return self.moment(str(value)) if value else None

        accepted_at = when("accepted_at")
        if referral.get("accepted_by") and accepted_at:
            picked = _("{who} op {when}").format(who=referral["accepted_by"], when=accepted_at)
            rows.append(Row(_("Opgepakt door"), picked))
        timed = [("first_contact_agreed", _("Eerste contact afgesproken"))]
        if not feedback:
            timed = [
                ("acknowledge_by", _("Ontvangst bevestigen vóór")),
                ("first_contact_by", _("Eerste contact vóór")),
                *timed,
            ]
        for key, label in timed:
            moment = when(key)
            if moment:
                rows.append(Row(label, moment))
        return rows

    def summary_flag_rows(self) -> list[Row]:
        """The consents and authorizations needed: the required and warning flags (the
        rules version they were decided with follows in the full legal section)."""
        flags = self.case.get("legal_flags") or ()
        rows = self.flag_rows()
        needed = [
            row
            for row, flag in zip(rows, flags, strict=False)
            if flag.get("severity") in ("required", "warning")
        ]
        return needed


def _detail_text(detail: Any) -> str:
    """A flag's detail; an ISO date (e.g. a birthday threshold) the Dutch way; the
    Wvggz route (``crisismaatregel``, ``zorgmachtiging``) as it is."""
    if isinstance(detail, str):
        try:
            return format_date(date.fromisoformat(detail))
        except ValueError:
            return detail
    return str(detail)


def _section_fields(form: FormDefinition, section_id: str) -> Sequence[Field]:
    try:
        return form.section(section_id).fields
    except KeyError:
        return ()


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _reference_time(answers: Mapping[str, Any]) -> datetime:
    received = answers.get("call.received_at")
    if isinstance(received, str):
        try:
            return parse_datetime(received)
        except ValueError:
            pass
    return datetime.now().astimezone()


# --------------------------------------------------------------------------- reports


def handover_contents(
    case: Mapping[str, Any], lang: str = "nl", *, form: FormDefinition | None = None
) -> list[Section]:
    """The sections of the handover summary (overdrachtsformulier), in print order."""
    form = form_for(case, form)
    b = _Builder(case, lang, form)
    _ = b._
    sections: list[Section] = []

    def add(section_id: str, title: str, rows: Iterable[Row | None]) -> None:
        kept = tuple(row for row in rows if row is not None)
        if kept:
            detail = section_id not in FIRST_PAGE
            sections.append(Section(section_id, title, kept, compact=detail, paired=True))

    # Page 1: what a receiving clinician reads in 30 seconds.
    summary: list[Row | None] = []
    if case.get("training"):
        summary.append(Row(_("Let op"), _("OEFENING — geen echte casus"), "notice"))
    summary += [
        b.urgency_row(with_deadline=True),
        b.field_row("call.received_at"),
        b.status_row(),
        b.joined_row(
            b.label("youth.current_location"), ("youth.current_location", "youth.current_address")
        ),
    ]
    add("summary", _("In één oogopslag"), summary)
    add("risk_now", _("Risico's nu"), [*b.banner_rows(), *b.risk_now_rows()])
    amendments = b.amendments()
    decision: list[Row | None] = [
        b.field_row("triage.intervention", kind="field"),
        b.field_row("triage.assigned_to", kind="field"),
        b.decided_row(),
    ]
    if amendments:  # why the decision changed, before the rationale of the earlier one
        decision.append(Row(_("Laatste wijziging"), b.amendment_text(amendments[-1]), "field"))
    decision.append(b.rationale_row())
    add("decision", _("Besluit"), decision)
    add(
        "who_acts",
        _("Wie pakt het op"),
        [
            b.joined_row(
                b.label("handover.to_organisation"),
                ("handover.to_organisation", "handover.to_contact", "handover.to_phone"),
            ),
            b.field_row("handover.next_contact_at"),
            b.field_row("handover.informed"),
            b.field_row("handover.consent_to_inform_parents"),
            b.field_row("handover.agreements", kind="text"),
            *b.section_rows("handover", skip=ON_FIRST_PAGE),
            *b.referral_rows(),
        ],
    )
    add(
        "consent",
        _("Toestemming en juridische route"),
        [*b.summary_flag_rows(), *(b.field_row(fid, kind="field") for fid in CONSENT_FACTS)],
    )

    # The rest follows: every other answer, once.
    youth_first = ("youth.first_name", "youth.last_name", "youth.birth_date")
    add(
        "youth",
        b.section_title("youth"),
        [
            b.name_row(),
            b.field_row("youth.birth_date"),
            b.age_row(),
            *b.section_rows("youth", skip=(*youth_first, *ON_FIRST_PAGE)),
        ],
    )
    add("authority", b.section_title("authority"), b.section_rows("authority"))
    add("call", _("Melder en verwijzer"), b.section_rows("call", skip=ON_FIRST_PAGE))

    situation: list[Row | None] = []
    for form_field in _section_fields(form, "situation"):
        kind: RowKind | None = "quote" if form_field.id == "situation.youth_need" else None
        situation.append(b.field_row(form_field.id, kind=kind))
    add("situation", b.section_title("situation"), situation)

    risks_now = [fid for row in b.risk_now_rows() for fid in row.field_ids]
    add(
        "risk",
        b.section_title("risk"),
        b.section_rows("risk", skip=risks_now) + b.superseded_banner_rows(),
    )
    add("background", b.section_title("background"), b.section_rows("background"))
    history = [
        Row(_("Wijziging"), b.amendment_text(amendment), "field") for amendment in amendments
    ]
    add(
        "triage",
        b.section_title("triage"),
        b.section_rows("triage", skip=(*ON_FIRST_PAGE, *RECORDED_FIELDS)) + history,
    )
    flags = b.flag_rows()
    shown_flags = set(b.summary_flag_rows())
    add(
        "legal",
        b.section_title("legal"),
        b.section_rows("legal", skip=CONSENT_FACTS) + [r for r in flags if r not in shown_flags],
    )
    return sections


def referrer_field_ids(answers: Mapping[str, Any]) -> tuple[str, str, str]:
    """Name, organisation and phone field ids of whoever gets the feedback letter."""
    if answers.get("call.referrer_is_caller") is False:
        return ("call.referrer_name", "call.referrer_organisation", "call.referrer_phone")
    return ("call.caller_name", "call.caller_organisation", "call.caller_phone")


def feedback_contents(
    case: Mapping[str, Any],
    lang: str = "nl",
    *,
    include: Iterable[str] = frozenset(),
    form: FormDefinition | None = None,
) -> list[Section]:
    """The sections of the referrer feedback letter (terugkoppeling), in print order.

    Data minimisation: only what the referrer needs (what was decided, by whom, who
    follows up and how to reach them, next contact). Risk details and background are
    added only when ``include`` names ``"risk"`` or ``"background"``.
    """
    include = frozenset(include)
    unknown = include - FEEDBACK_EXTRAS
    if unknown:
        raise ValueError(
            f"unknown include {sorted(unknown)}; choose from {sorted(FEEDBACK_EXTRAS)}"
        )
    form = form_for(case, form)
    b = _Builder(case, lang, form)
    _ = b._
    sections: list[Section] = []

    def add(section_id: str, title: str, rows: Iterable[Row | None]) -> None:
        kept = tuple(row for row in rows if row is not None)
        if kept:
            sections.append(Section(section_id, title, kept))

    name_id, organisation_id, _phone_id = referrer_field_ids(b.answers)
    intro = _(
        "Hierbij laten wij u weten wat er met uw melding is gebeurd. Deze brief bevat "
        "alleen wat u nodig hebt voor de verdere zorg."
    )
    add(
        "to",
        _("Aan"),
        [
            b.field_row(name_id, kind="field"),
            b.field_row(organisation_id, kind="field"),
            Row("", intro, "notice"),
        ],
    )
    add(
        "about",
        _("Betreft"),
        [b.name_row(), b.field_row("youth.birth_date"), b.field_row("call.received_at")],
    )
    add(
        "decision",
        _("Besluit"),
        [
            b.urgency_row(with_deadline=False),
            b.field_row("triage.intervention"),
            b.field_row("triage.assigned_to"),
            *b.decided_rows(),
        ],
    )
    add(
        "follow_up",
        _("Wie pakt het op"),
        [
            b.field_row("handover.to_organisation", kind="field"),
            b.field_row("handover.to_contact", kind="field"),
            b.field_row("handover.to_phone", kind="field"),
            b.field_row("handover.next_contact_at"),
            *b.referral_rows(feedback=True),
        ],
    )
    if "risk" in include:
        add("risk", b.section_title("risk"), b.banner_rows() + b.section_rows("risk"))
    if "background" in include:
        add("background", b.section_title("background"), b.section_rows("background"))
    return sections
