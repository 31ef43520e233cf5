"""Printing and saving a case's reports from the desk, with the privacy check and the audit.

Qt-free service behind the report dialog (``desktop.ui.report_dialog``):

- :func:`prepare_report`: what a report of a case would contain (the
  :mod:`desktop.reports` sections and field ids) and the privacy warnings the user
  must confirm before it goes to the chosen recipients.
- :func:`report_pdf`: the PDF bytes of a prepared report (reportlab, via
  :mod:`desktop.reports`): what the dialog previews and prints (its pages rendered by
  :mod:`desktop.reports.raster`) and what :func:`save_pdf` writes.
- :func:`record_output`: the audit event of a print (``print``) or a saved PDF
  (``export``): kind, language, recipients, sections and fields included, the warnings
  shown and whether the user confirmed them. Refuses when warnings were not confirmed.

What is previewed, printed, saved and logged comes from one :class:`PreparedReport` and
its one PDF, so the four cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from desktop.forms import FormDefinition, load_form
from desktop.reports import (
    Section,
    feedback_contents,
    handover_contents,
    included_fields,
    privacy_warnings,
    render_feedback,
    render_handover,
)
from desktop.reports.contents import FEEDBACK_EXTRAS, short_id
from desktop.reports.text import translator

if TYPE_CHECKING:
    from desktop.session.desk import DeskSession

ReportKind = Literal["handover", "feedback"]
OutputAction = Literal["print", "export"]

KINDS: tuple[ReportKind, ...] = ("handover", "feedback")

#: The form field whose options name who a report may go to.
RECIPIENTS_FIELD = "handover.informed"


class PrivacyNotConfirmed(PermissionError):
    """A report with privacy warnings was about to go out without the user's confirmation."""


@dataclass(frozen=True)
class ReportRequest:
    """What the user chose: which report, in which language, with which extras, for whom."""

    kind: ReportKind = "handover"
    lang: str = "nl"
    include: frozenset[str] = frozenset()
    recipients: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown report kind {self.kind!r}; choose from {KINDS}")
        unknown = set(self.include) - FEEDBACK_EXTRAS
        if unknown:
            raise ValueError(f"unknown include {sorted(unknown)}")
        if self.kind == "handover" and self.include:
            raise ValueError("include applies to the feedback letter only")


@dataclass(frozen=True)
class PreparedReport:
    """One report of one case as it would go out now."""

    case_id: str
    case: dict[str, Any]
    form: FormDefinition
    request: ReportRequest
    printed_by: str
    printed_at: datetime
    region_name: str | None
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fields(self) -> tuple[str, ...]:
        """The answer field ids the report shows (for the audit)."""
        return tuple(included_fields(self.sections))

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(section.id for section in self.sections)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings)

    @property
    def title(self) -> str:
        _, _n = translator(self.request.lang)
        if self.request.kind == "handover":
            return _("Overdrachtsformulier")
        return _("Terugkoppeling aan verwijzer")

    def file_name(self) -> str:
        """A suggested file name: kind and short case id, no personal data."""
        prefix = "overdracht" if self.request.kind == "handover" else "terugkoppeling"
        return f"{prefix}-{short_id(self.case)}.pdf"


def recipient_options(form: FormDefinition, lang: str = "nl") -> list[tuple[str, str]]:
    """``(value, label)`` of each recipient a report may go to, from ``handover.informed``."""
    from desktop.i18n import pick

    return [
        (str(option.value), pick(option.label, lang))
        for option in form.field(RECIPIENTS_FIELD).options
    ]


def triage_amendments(session: DeskSession, case_id: str) -> list[dict[str, Any]]:
    """The amendments of a decided triage, oldest first, as the reports print them: when,
    by whom, why and which fields (docs/internal-api.md, "amendments")."""
    return [
        {
            # the moment the amendment recorded as its decision time (the desk's clock)
            "at": entry.answers.get("triage.decided_at") or entry.created_at.isoformat(),
            "by": entry.created_by_name,
            "reason": entry.reason,
            "fields": [fid for fid in entry.changed if fid.startswith("triage.")],
        }
        for entry in session.history(case_id)
        if entry.reason and entry.base_answers.get("triage.decided_at")
    ]


def report_data(session: DeskSession, case_id: str) -> Any:
    """The case's latest referral for the reports (``desktop.session.referral_info``)."""
    from desktop.session.referral_info import report_data as referral_report

    return referral_report(session, case_id)


def prepare_report(
    session: DeskSession,
    case_id: str,
    request: ReportRequest,
    *,
    region_name: str | None = None,
) -> PreparedReport:
    """The sections and privacy warnings of ``request`` for the case as stored now."""
    case = session.store.cases.get(case_id)
    data = case.to_json()
    data["amendments"] = triage_amendments(session, case_id)
    referral = report_data(session, case_id)
    if referral is not None:
        data["referral"] = dict(referral)
    form = load_form(case.form_id, case.form_version)
    printed_at = session.clock()
    if request.kind == "handover":
        sections = handover_contents(data, request.lang, form=form)
    else:
        sections = feedback_contents(data, request.lang, include=request.include, form=form)
    warnings = privacy_warnings(
        data,
        recipients=request.recipients,
        kind=request.kind,
        on=printed_at.date(),
        lang=request.lang,
    )
    return PreparedReport(
        case_id=case_id,
        case=data,
        form=form,
        request=request,
        printed_by=session.profile.display_name,
        printed_at=printed_at,
        region_name=region_name,
        sections=tuple(sections),
        warnings=tuple(warnings),
    )


def report_pdf(report: PreparedReport) -> bytes:
    """The PDF bytes of ``report``."""
    common: dict[str, Any] = {
        "lang": report.request.lang,
        "printed_by": report.printed_by,
        "printed_at": report.printed_at,
        "region_name": report.region_name,
        "form": report.form,
    }
    if report.request.kind == "handover":
        return render_handover(report.case, **common)
    return render_feedback(report.case, include=report.request.include, **common)


def audit_details(
    report: PreparedReport,
    *,
    confirmed: bool,
    destination: str | None = None,
) -> dict[str, Any]:
    """The audit details of a print or save of ``report`` (NEN 7513: what went where)."""
    details: dict[str, Any] = {
        "kind": report.request.kind,
        "format": "pdf",
        "lang": report.request.lang,
        "include": sorted(report.request.include),
        "recipients": list(report.request.recipients),
        "sections": list(report.section_ids),
        "fields": list(report.fields),
        "version": (report.case.get("version") or {}).get("number"),
        "privacy_warnings": list(report.warnings),
        "privacy_confirmed": bool(report.warnings) and confirmed,
    }
    if destination is not None:
        details["destination"] = destination
    return details


def record_output(
    session: DeskSession,
    report: PreparedReport,
    action: OutputAction,
    *,
    confirmed: bool = False,
    destination: str | None = None,
) -> dict[str, Any]:
    """Audit that ``report`` was printed or saved; returns the recorded details.

    Raises :class:`PrivacyNotConfirmed` when the report has warnings that the user
    did not confirm: nothing may go out (or be logged as gone out) then.
    """
    if action not in ("print", "export"):
        raise ValueError(f"unknown output action {action!r}")
    check_confirmed(report, confirmed)
    details = audit_details(report, confirmed=confirmed, destination=destination)
    session.store.cases.record(session.actor, action, report.case_id, details)
    return details


def check_confirmed(report: PreparedReport, confirmed: bool) -> None:
    """Refuse a report whose privacy warnings the user has not confirmed."""
    if report.warnings and not confirmed:
        raise PrivacyNotConfirmed("; ".join(report.warnings))


def save_pdf(
    session: DeskSession,
    report: PreparedReport,
    path: str,
    *,
    confirmed: bool = False,
) -> dict[str, Any]:
    """Write the report's PDF to ``path`` (the only place a report PDF touches disk) and audit.

    The file name (not the folder) goes into the audit details.
    """
    from pathlib import Path

    check_confirmed(report, confirmed)
    target = Path(path)
    target.write_bytes(report_pdf(report))
    return record_output(session, report, "export", confirmed=confirmed, destination=target.name)


def recipients_in(values: Iterable[str], form: FormDefinition) -> tuple[str, ...]:
    """``values`` that are recipient options of ``form``, in the form's order."""
    chosen = set(values)
    return tuple(value for value, _label in recipient_options(form) if value in chosen)
