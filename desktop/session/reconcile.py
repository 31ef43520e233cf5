"""Reconciling a case that got two versions on the same base (issue 6.5). Qt-free.

When two devices amend the same version, the sync keeps both (``desktop.store.sync_state``)
and the case's status becomes ``needs_reconciliation``. The competing *heads* are the
case's versions that no other version builds on and that no reconciliation has resolved.
A person picks, per differing field, which head's value to keep; for free text they may
also keep both texts (:data:`BOTH_TEXTS`, each marked with its author and time, see
:func:`both_texts`) or write the merged text themselves. :meth:`Reconciler.resolve` then
writes one new sealed version based on one chosen head, with ``resolves`` naming the
other heads (sent to the central API in the outbox payload). Nothing is discarded: every
head stays in the case's history, and the choice is audited (action ``reconcile``).

The version, the case row derived from it and the links to the heads it resolved (table
``version_resolves``) are written by the store (``CaseRepository.reconcile``, the one
write path of a case head); this module decides *what* is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop import timefmt
from desktop.i18n import _, pick
from desktop.store import Actor, CaseVersion, NotFoundError, Store
from desktop.store.sync_state import SyncState

STATUS_FIELD = "status"
"""Pseudo field id for the case status in a diff (the status differs between heads too)."""

BOTH_TEXTS = "both"
"""A choice for a free-text field: keep every head's text, each marked with its author."""

FREE_TEXT_TYPES = frozenset({"text", "multiline"})
"""Field types whose differing values may be kept side by side or merged by hand."""

DEFAULT_ZONE = "Europe/Amsterdam"


class ReconcileError(ValueError):
    """The case cannot be reconciled as asked (no competing heads, unknown version)."""


@dataclass(frozen=True)
class FieldDiff:
    """One field whose value differs between the competing heads."""

    field_id: str
    label: str
    values: dict[str, Any]
    """version id → the value in that head (``None`` when the head has no answer)."""
    kind: str = ""
    """The form's field type (``""`` for the status and for fields the form lacks)."""

    @property
    def free_text(self) -> bool:
        """Both texts may be kept, or the merged text written by hand."""
        return self.kind in FREE_TEXT_TYPES


@dataclass(frozen=True)
class ReconcileCase:
    """A case waiting for a person: its heads (oldest first) and the differing fields."""

    case_id: str
    heads: tuple[CaseVersion, ...]
    diffs: tuple[FieldDiff, ...]
    same: tuple[str, ...]
    """Field ids answered identically in every head (taken over as they are)."""
    zone: str = DEFAULT_ZONE
    """The form's time zone: the desk's local time, in which moments are shown."""


def _field_info(form_id: str, form_version: str, field_id: str) -> tuple[str, str]:
    """The field's label and type (the id and ``""`` when the form does not know it)."""
    if field_id == STATUS_FIELD:
        return _("Status"), ""
    try:
        from desktop.forms import load_form

        field = load_form(form_id, form_version).field(field_id)
        return pick(field.label) or field_id, field.type
    except (KeyError, FileNotFoundError, ValueError):
        return field_id, ""


def _form_zone(form_id: str, form_version: str) -> str:
    try:
        from desktop.forms import load_form

        return load_form(form_id, form_version).timezone
    except (KeyError, FileNotFoundError, ValueError):
        return DEFAULT_ZONE


def author_mark(head: CaseVersion, zone: str = DEFAULT_ZONE) -> str:
    """Who wrote a head and when, in the desk's local time: ``Otto Jansen, 03-12-2026 09:50``."""
    info = head.version
    moment = timefmt.format_datetime(info.created_at, timefmt.desk_zone(zone))
    return f"{info.created_by_name or info.created_by}, {moment}"


def both_texts(
    diff: FieldDiff, heads: tuple[CaseVersion, ...], zone: str = DEFAULT_ZONE
) -> str | None:
    """Every head's text of a free-text field, oldest head first, each marked with its
    author and time (``[Otto Jansen, 03-12-2026 09:50] wel eerder gesneden``).

    A multi-line field gets one paragraph per text; a one-line field keeps one line.
    Heads without an answer are left out; None when no head has one.
    """
    parts = [
        f"[{author_mark(head, zone)}] {str(diff.values[head.version.id]).strip()}"
        for head in heads
        if _present(diff.values.get(head.version.id))
    ]
    if not parts:
        return None
    return ("\n\n" if diff.kind == "multiline" else " | ").join(parts)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


class Reconciler:
    """Lists and resolves cases with status ``needs_reconciliation`` on one open store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = SyncState(store.db)

    # -- reading ---------------------------------------------------------------------------

    def cases(self) -> list[str]:
        """Ids of the cases that need a person to reconcile them."""
        return self.state.reconciliation_cases()

    def heads(self, case_id: str) -> list[CaseVersion]:
        """The competing head versions: nothing builds on them and nothing resolved them."""
        versions = self.store.cases.versions(case_id)
        if not versions:
            raise NotFoundError(f"case {case_id} not found")
        bases = {v.version.base_version_id for v in versions if v.version.base_version_id}
        resolved = self.state.resolved_versions(case_id)
        return [v for v in versions if v.version.id not in bases and v.version.id not in resolved]

    def describe(self, case_id: str) -> ReconcileCase:
        """The heads of a case and a per-field diff between them."""
        heads = self.heads(case_id)
        if len(heads) < 2:
            raise ReconcileError(f"case {case_id} has no competing versions")
        case = self.store.cases.get(case_id)
        field_ids: list[str] = []
        for head in heads:
            for field_id in head.answers:
                if field_id not in field_ids:
                    field_ids.append(field_id)
        order = _form_order(case.form_id, case.form_version)
        zone = _form_zone(case.form_id, case.form_version)
        field_ids.sort(key=lambda f: (order.get(f, len(order)), f))
        diffs: list[FieldDiff] = []
        same: list[str] = []
        statuses = {h.version.id: h.version.status for h in heads}
        if len(set(statuses.values())) > 1:
            diffs.append(FieldDiff(STATUS_FIELD, _("Status"), dict(statuses)))
        for field_id in field_ids:
            values = {h.version.id: h.answers.get(field_id) for h in heads}
            first = next(iter(values.values()))
            if all(value == first for value in values.values()):
                same.append(field_id)
                continue
            label, kind = _field_info(case.form_id, case.form_version, field_id)
            diffs.append(FieldDiff(field_id, label, values, kind))
        return ReconcileCase(case_id, tuple(heads), tuple(diffs), tuple(same), zone)

    # -- writing ---------------------------------------------------------------------------

    def resolve(
        self,
        case_id: str,
        choices: Mapping[str, str],
        actor: Actor,
        *,
        texts: Mapping[str, str] | None = None,
        base_version_id: str | None = None,
    ) -> CaseVersion:
        """Write the reconciled version: per differing field the chosen head's value.

        ``choices`` maps each differing field id (see :meth:`describe`) to a head's
        version id, or for a free-text field to :data:`BOTH_TEXTS` (every head's text,
        marked with its author); ``texts`` maps a free-text field to the merged text a
        person wrote (it wins over ``choices``; it may not be empty). A field left out
        takes the base head's value. The new version is based on ``base_version_id``
        (default: the head chosen most often, then the newest) and lists the other
        heads in ``resolves``. One transaction: version, case row, outbox row, audit
        event ``reconcile`` (which names per field the head, ``both`` or ``edited``).
        """
        texts = dict(texts or {})
        with self.store.atomic():
            described = self.describe(case_id)
            head_ids = [h.version.id for h in described.heads]
            by_field = {d.field_id: d for d in described.diffs}
            unknown = {v for v in choices.values() if v not in head_ids and v != BOTH_TEXTS}
            if unknown:
                raise ReconcileError(f"not a competing version: {sorted(unknown)}")
            extra = (set(choices) | set(texts)) - set(by_field)
            if extra:
                raise ReconcileError(f"fields without a difference: {sorted(extra)}")
            not_text = {
                f
                for f in set(texts) | {f for f, v in choices.items() if v == BOTH_TEXTS}
                if not by_field[f].free_text
            }
            if not_text:
                raise ReconcileError(f"not a free-text field: {sorted(not_text)}")
            empty = sorted(f for f, text in texts.items() if not text.strip())
            if empty:
                raise ReconcileError(f"empty merged text: {empty}")
            overrides: dict[str, Any] = {f: text.strip() for f, text in texts.items()}
            for field_id, choice in choices.items():
                if choice == BOTH_TEXTS and field_id not in overrides:
                    overrides[field_id] = both_texts(
                        by_field[field_id], described.heads, described.zone
                    )
            if base_version_id is None:
                counts = {vid: 0 for vid in head_ids}
                for vid in choices.values():
                    if vid in counts:
                        counts[vid] += 1
                base_version_id = max(head_ids, key=lambda vid: (counts[vid], head_ids.index(vid)))
            if base_version_id not in head_ids:
                raise ReconcileError(f"not a competing version: {base_version_id}")
            base = next(h for h in described.heads if h.version.id == base_version_id)
            by_id = {h.version.id: h for h in described.heads}
            answers, status = merge(base, described.diffs, choices, described.heads, overrides)
            others = [vid for vid in head_ids if vid != base_version_id]
            version_id = self._write(case_id, base, by_id, answers, status, others, actor)
            picked = {
                field: "edited" if field in texts else choices.get(field, base_version_id)
                for field in by_field
            }
            self.store.audit.append(
                actor,
                "reconcile",
                case_id=case_id,
                details={
                    "version": version_id,
                    "base": base_version_id,
                    "resolves": others,
                    "fields": picked,
                },
            )
        return next(v for v in self.store.cases.versions(case_id) if v.version.id == version_id)

    def _write(
        self,
        case_id: str,
        base: CaseVersion,
        heads: dict[str, CaseVersion],
        answers: dict[str, Any],
        status: str,
        resolves: list[str],
        actor: Actor,
    ) -> str:
        shown: list[dict[str, Any]] = []
        for head in heads.values():
            for banner in head.banners_shown:
                if all(b.get("id") != banner.get("id") for b in shown):
                    shown.append(banner)
        return self.store.cases.reconcile(
            case_id,
            base,
            answers=answers,
            status=status,
            banners_shown=shown,
            resolves=list(resolves),
            actor=actor,
        )


def merge(
    base: CaseVersion,
    diffs: tuple[FieldDiff, ...],
    choices: Mapping[str, str],
    heads: tuple[CaseVersion, ...],
    overrides: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """The reconciled answers and status: ``base``'s, with each differing field taken from
    the head ``choices`` names (the base's own value when the field is not chosen), or
    from ``overrides`` (merged free text) when it names the field."""
    answers = dict(base.answers)
    status: str = base.version.status
    overrides = overrides or {}
    for diff in diffs:
        if diff.field_id in overrides:
            value = overrides[diff.field_id]
        else:
            value = diff.values[choices.get(diff.field_id, base.version.id)]
        if diff.field_id == STATUS_FIELD:
            status = str(value)
        elif value is None:
            answers.pop(diff.field_id, None)
        else:
            answers[diff.field_id] = value
    if status == "needs_reconciliation":
        status = next(
            (h.version.status for h in heads if h.version.status != "needs_reconciliation"),
            "draft",
        )
    return answers, status


def _form_order(form_id: str, form_version: str) -> dict[str, int]:
    try:
        from desktop.forms import load_form

        return {f.id: i for i, f in enumerate(load_form(form_id, form_version).fields())}
    except (KeyError, FileNotFoundError, ValueError):
        return {}


def needs_reconciliation(store: Store) -> list[str]:
    """Ids of the cases with status ``needs_reconciliation`` (not withdrawn)."""
    return Reconciler(store).cases()
