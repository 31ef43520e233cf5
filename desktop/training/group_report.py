"""The group overview: one scenario run by a group, each participant side by side.

For a group session and a scenario, :func:`group_overview` lists every attempt with its
score, time to decision, urgency chosen, the key questions missed and the legal signals
missed or given wrongly; it also counts, per key question and per signal, how many
participants missed it (what the trainer discusses with the team). The overview goes
out as CSV (:func:`overview_csv`: ``;``-separated with decimal commas in Dutch, so a
spreadsheet opens it as it reads) and as PDF (:func:`render_overview`). Pure: data in,
text or bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from desktop.i18n import pick
from desktop.reports.contents import Row, Section, format_datetime
from desktop.reports.text import translator
from desktop.training.debrief import format_number, format_seconds
from desktop.training.results import TrainingResult
from desktop.training.scenario import Scenario


@cache
def _flag_titles(lang: str) -> dict[str, str]:
    import legal_rules

    titles: dict[str, str] = {}
    for rule in sorted(legal_rules.load_rules().rules, key=lambda r: r.valid_from):
        titles[rule.code] = pick(rule.title, lang)
    return titles


@dataclass(frozen=True)
class OverviewRow:
    """One participant's attempt, as the trainer compares it."""

    trainee: str
    finished_at: datetime
    total: float
    seconds_to_decision: float
    within_time: bool
    urgency: str
    urgency_correct: bool
    under_triage: bool
    missed_questions: tuple[str, ...]
    missed_flags: tuple[str, ...]
    extra_flags: tuple[str, ...]


@dataclass(frozen=True)
class GroupOverview:
    group: str
    scenario_id: str
    scenario_title: str
    rows: tuple[OverviewRow, ...]
    question_misses: tuple[tuple[str, int], ...]  # question text, participants who missed it
    flag_misses: tuple[tuple[str, int], ...]  # signal title, participants who missed it

    @property
    def average(self) -> float:
        return round(sum(row.total for row in self.rows) / len(self.rows), 1) if self.rows else 0


def group_overview(
    results: Iterable[TrainingResult],
    scenario_id: str,
    scenario: Callable[[str], Scenario | None],
    lang: str = "nl",
) -> GroupOverview:
    """The attempts on ``scenario_id`` among ``results`` (one group), by trainee then
    time; ``scenario`` finds the scenario for question texts (``None``: ids are shown)."""
    chosen = sorted(
        (r for r in results if r.scenario_id == scenario_id),
        key=lambda r: (r.trainee.casefold(), r.finished_at),
    )
    known = scenario(scenario_id)
    titles = _flag_titles(lang)

    def question_text(question_id: str) -> str:
        if known is not None:
            try:
                return pick(known.key_question(question_id).text, lang)
            except KeyError:
                pass
        return question_id

    rows = []
    question_count: dict[str, int] = {}
    flag_count: dict[str, int] = {}
    for result in chosen:
        score = result.as_score()
        missed = tuple(question_text(q.question_id) for q in score.questions if not q.asked)
        missed_flags = tuple(titles.get(code, code) for code in score.flags.missing)
        for text in missed:
            question_count[text] = question_count.get(text, 0) + 1
        for text in missed_flags:
            flag_count[text] = flag_count.get(text, 0) + 1
        rows.append(
            OverviewRow(
                trainee=result.trainee,
                finished_at=result.finished_at,
                total=result.total,
                seconds_to_decision=score.seconds_to_decision,
                within_time=score.within_time,
                urgency=score.urgency.given or "",
                urgency_correct=score.urgency.correct,
                under_triage=score.urgency.direction == "too_low",
                missed_questions=missed,
                missed_flags=missed_flags,
                extra_flags=tuple(titles.get(code, code) for code in score.flags.extra),
            )
        )
    title = pick(known.title, lang) if known is not None else ""
    if not title and chosen:
        title = chosen[0].scenario_title
    return GroupOverview(
        group=chosen[0].group if chosen else "",
        scenario_id=scenario_id,
        scenario_title=title or scenario_id,
        rows=tuple(rows),
        question_misses=tuple(sorted(question_count.items(), key=lambda kv: (-kv[1], kv[0]))),
        flag_misses=tuple(sorted(flag_count.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def scenario_choices(results: Iterable[TrainingResult]) -> list[tuple[str, str]]:
    """(scenario id, title) of the scenarios run in these results, most attempts first."""
    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    for result in results:
        counts[result.scenario_id] = counts.get(result.scenario_id, 0) + 1
        titles.setdefault(result.scenario_id, result.scenario_title)
    return [(sid, titles[sid]) for sid in sorted(counts, key=lambda s: (-counts[s], titles[s]))]


# --------------------------------------------------------------------------- cells


def header(lang: str) -> list[str]:
    _, _n = translator(lang)
    return [
        _("Deelnemer"),
        _("Score"),
        _("Tijd tot besluit"),
        _("Urgentie"),
        _("Gemiste kernvragen"),
        _("Juridische signalen"),
    ]


def cells(row: OverviewRow, lang: str) -> list[str]:
    """A row as the overview shows it (words next to marks, never marks alone)."""
    _, _n = translator(lang)
    time_word = _("binnen doeltijd") if row.within_time else _("over doeltijd")
    if row.urgency_correct:
        urgency = _("{code} (goed)").format(code=row.urgency or "-")
    elif row.under_triage:
        urgency = _("{code} (ondertriage)").format(code=row.urgency or "-")
    else:
        urgency = _("{code} (niet goed)").format(code=row.urgency or _("(leeg)"))
    flags = []
    if row.missed_flags:
        flags.append(_("gemist: {flags}").format(flags=" · ".join(row.missed_flags)))
    if row.extra_flags:
        flags.append(_("onterecht: {flags}").format(flags=" · ".join(row.extra_flags)))
    return [
        row.trainee,
        format_number(row.total, lang),
        f"{format_seconds(row.seconds_to_decision)} ({time_word})",
        urgency,
        " · ".join(row.missed_questions) or _("geen"),
        " — ".join(flags) or _("alle goed"),
    ]


# --------------------------------------------------------------------------- CSV


def overview_csv(overview: GroupOverview, lang: str = "nl") -> str:
    """The overview as CSV: ``;`` and decimal commas in Dutch, ``,`` in English."""
    _, _n = translator(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "nl" else ",", lineterminator="\r\n")
    writer.writerow(
        [
            _("Deelnemer"),
            _("Afgerond op"),
            _("Score"),
            _("Tijd tot besluit (s)"),
            _("Binnen doeltijd"),
            _("Urgentie"),
            _("Urgentie goed"),
            _("Ondertriage"),
            _("Gemiste kernvragen"),
            _("Gemiste juridische signalen"),
            _("Onterechte juridische signalen"),
        ]
    )
    yes, no = _("Ja"), _("Nee")
    for row in overview.rows:
        writer.writerow(
            [
                row.trainee,
                format_datetime(row.finished_at),
                format_number(row.total, lang),
                str(round(row.seconds_to_decision)),
                yes if row.within_time else no,
                row.urgency,
                yes if row.urgency_correct else no,
                yes if row.under_triage else no,
                "; ".join(row.missed_questions),
                "; ".join(row.missed_flags),
                "; ".join(row.extra_flags),
            ]
        )
    return buffer.getvalue()


# --------------------------------------------------------------------------- PDF


def render_overview(
    overview: GroupOverview,
    *,
    printed_by: str,
    printed_at: datetime,
    lang: str = "nl",
) -> bytes:
    """The group overview as PDF: the side-by-side table, then what the group missed."""
    from desktop.reports.pdf import Grid, PageFurniture, build_pdf, printed_line

    _, _n = translator(lang)
    count = len(overview.rows)
    summary: list[Row] = [
        Row(_("Casus"), overview.scenario_title),
        Row(_("Groep"), overview.group),
        Row(_("Deelnemers"), str(len({row.trainee for row in overview.rows}))),
        Row(_("Gemiddelde score"), format_number(overview.average, lang)),
        Row(
            _("Ondertriage"),
            _("{n} van {total}").format(
                n=sum(1 for row in overview.rows if row.under_triage), total=count
            ),
        ),
    ]
    sections = [Section("group", _("Groep"), tuple(summary))]
    misses: list[Row] = [
        Row(text, _("{n} van {total} deelnemers").format(n=n, total=count))
        for text, n in overview.question_misses
    ] or [Row("", _("Alle kernvragen zijn door iedereen gesteld."), kind="notice")]
    sections.append(Section("questions", _("Gemiste kernvragen"), tuple(misses)))
    flags: list[Row] = [
        Row(text, _("{n} van {total} deelnemers").format(n=n, total=count))
        for text, n in overview.flag_misses
    ] or [Row("", _("Geen juridische signalen gemist."), kind="notice")]
    sections.append(Section("flags", _("Gemiste juridische signalen"), tuple(flags)))
    grid = Grid(
        title=_("Deelnemers naast elkaar"),
        header=tuple(header(lang)),
        rows=tuple(tuple(cells(row, lang)) for row in overview.rows),
        widths=(1.4, 0.7, 1.3, 1.2, 2.2, 2.4),
    )
    furniture = PageFurniture(
        title="Doorloop — " + _("Groepsoverzicht oefening"),
        confidential=_("OEFENING — geen echte casus"),
        header_detail="  ·  ".join([overview.scenario_title, overview.group]),
        printed=printed_line(printed_by, printed_at, _("Afgedrukt door {name} op {moment}")),
        page_of=_("pagina {page} van {pages}"),
    )
    return build_pdf(
        heading=_("Groepsoverzicht: {title}").format(title=overview.scenario_title),
        furniture=furniture,
        sections=sections,
        subject=_("Oefening {id}").format(id=overview.scenario_id),
        author=printed_by,
        lang=lang,
        created=printed_at,
        grids=[grid],
    )


__all__ = [
    "GroupOverview",
    "OverviewRow",
    "cells",
    "group_overview",
    "header",
    "overview_csv",
    "render_overview",
    "scenario_choices",
]
