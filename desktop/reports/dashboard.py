"""The coordinator dashboard as data: indicator reports in, charts and tables out. Qt-free.

Input is what the indicators contract gives (domain/indicators.md, DESIGN.md contract 9):
one report for the whole period and one per week of it, each from the central API
(``GET /v1/indicators``) or from the desk's own cases (``coordination.indicators``),
exact or with the small-number rules (``public``). :func:`build_dashboard` turns them
into :class:`Chart` s (what the painter in ``desktop.ui.dashboard_charts`` draws) and
:class:`Table` s (the same figures as text, for screen readers and the PDF), every figure
with the count it rests on (``n``) and its completeness, and the source with its *stand
van* time.

Published marks stay marks: ``<5`` (a count of 1–4), ``x`` (hidden so a small count
cannot be worked back) and ``—`` (a percentage on fewer than 10 cases) are drawn as a
mark, never as a number. When weeks and the period are shown together, the period's
figures beside the weeks are derived from the published weeks (:func:`guarded`), so the
period minus the published weeks gives no hidden week back;
tests/unit/reports/test_dashboard_model.py holds this with hypothesis against a
brute-force attacker of the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from coordination.indicators import NOT_AVAILABLE, load_catalogue
from coordination.indicators.suppression import NO_PCT, SECONDARY, SMALL
from desktop import timefmt
from desktop.i18n import _, pick

Source = Literal["central", "local"]
URGENCIES = ("U1", "U2", "U3", "U4", "U5")
#: The norm per urgency for "first contact on time" (percent) until a region sets its
#: own: the GGz-triagewijzer pilot's norms (90% for the most urgent, 85% otherwise).
DEFAULT_NORMS: dict[str, float] = {"U1": 90.0, "U2": 85.0, "U3": 85.0, "U4": 85.0, "U5": 85.0}
MARKS = (SMALL, SECONDARY, NO_PCT)


def marks_legend() -> str:
    return _(
        "<5 = klein aantal (1 tot 4), niet getoond · x = verborgen zodat een klein aantal "
        "niet terug te rekenen is · — = percentage op minder dan 10 meldingen"
    )


def not_available_text() -> str:
    return _("niet beschikbaar (nog geen gegevensbron)")


def no_cases_text() -> str:
    return _("geen meldingen in deze periode")


@dataclass(frozen=True)
class Week:
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        iso = self.start.isocalendar()
        return _("week {week}").format(week=iso.week)


def weeks_of(start: date, end: date, today: date | None = None) -> list[Week]:
    """[start, end) cut at Mondays; weeks that start after ``today`` are left out (the
    central API refuses a period in the future)."""
    out: list[Week] = []
    day = start
    while day < end:
        if today is not None and day > today:
            break
        monday = day - timedelta(days=day.weekday())
        stop = min(monday + timedelta(days=7), end)
        out.append(Week(day, stop))
        day = stop
    return out


@dataclass(frozen=True)
class Point:
    """One figure of a chart: ``value`` to draw (None when hidden or missing) and the
    ``text`` to show (the number, or a published mark)."""

    value: float | None
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: Literal["bar", "line"]
    unit: str
    categories: tuple[str, ...]  # the x axis
    series: tuple[Series, ...]
    table: Table
    norm: float | None = None
    norm_label: str = ""
    empty: str | None = None  # why there is nothing to draw (not available / no cases)
    caption: str = ""  # n, completeness and stand van, under the title

    @property
    def values(self) -> list[float]:
        return [p.value for s in self.series for p in s.points if p.value is not None]


@dataclass(frozen=True)
class Dashboard:
    region: str
    start: date
    end: date
    source: Source
    as_of: datetime
    public: bool
    urgencies: tuple[str, ...]
    charts: tuple[Chart, ...]
    tables: tuple[Table, ...]  # figures without a chart
    notice: str = ""  # e.g. why the desk's own data is shown instead of the server's
    last_sync: datetime | None = None

    @property
    def source_text(self) -> str:
        moment = timefmt.format_datetime(self.as_of)
        if self.source == "central":
            text = _("Bron: centrale server (hele regio) · stand van {moment}")
        else:
            text = _("Bron: alleen de meldingen op deze desk (offline) · stand van {moment}")
        text = text.format(moment=moment)
        if self.source == "local":
            if self.last_sync is not None:
                text += " · " + _("laatst gesynchroniseerd {moment}").format(
                    moment=timefmt.format_datetime(self.last_sync)
                )
            else:
                text += " · " + _("nog nooit gesynchroniseerd")
        return text

    @property
    def period_text(self) -> str:
        last = self.end - timedelta(days=1)
        return _("{region}, {start} t/m {last}").format(
            region=self.region,
            start=timefmt.format_date(self.start),
            last=timefmt.format_date(last),
        )

    def chart(self, chart_id: str) -> Chart:
        for chart in self.charts:
            if chart.id == chart_id:
                return chart
        raise KeyError(chart_id)


# -- figures ---------------------------------------------------------------------------


def number_text(value: Any, unit: str = "") -> str:
    """A published figure as text: marks stay marks, missing is an empty dash."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.1f}".replace(".", ",") if _dutch() else f"{value:.1f}"
    else:
        text = str(int(value))
    return f"{text}%" if unit == "percent" else text


def _dutch() -> bool:
    from desktop.i18n import language

    return language() == "nl"


def point(value: Any, unit: str = "") -> Point:
    drawn = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return Point(drawn, number_text(value, unit))


def complete_text(complete: Any) -> str:
    if complete is None:
        return "–"
    if isinstance(complete, str):
        return complete
    return number_text(round(100.0 * float(complete), 1), "percent")


def figure_caption(entry: Mapping[str, Any]) -> str:
    return _("n = {n} · volledig {complete}").format(
        n=number_text(entry.get("n")), complete=complete_text(entry.get("complete"))
    )


# -- small numbers across weeks and period ---------------------------------------------


def derived_sum(parts: Sequence[Any]) -> Any:
    """A period figure made from published weekly figures: their sum when every one is
    published, else ``x``. It tells nothing the weeks do not already tell."""
    if all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return sum(parts)
    return SECONDARY


def guarded(
    period: Mapping[str, Any], reports: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Published reports of a period and its weeks as they may be shown together.

    Each week is published by the small-number rules on its own. A period figure shown
    beside them (the urgency counts, their n, the n of the time to decision) would let a
    reader subtract the published weeks and get a hidden week back; so beside weeks it
    is derived from the published weeks (:func:`derived_sum`) instead, and the period
    adds nothing to what the weeks tell."""
    period = {**period, "indicators": {k: dict(v) for k, v in period["indicators"].items()}}
    weeks = [{**r, "indicators": {k: dict(v) for k, v in r["indicators"].items()}}
             for r in reports]  # fmt: skip
    if not weeks:
        return period, weeks
    urg = period["indicators"]["cases_by_urgency"]
    w_urg = [w["indicators"]["cases_by_urgency"] for w in weeks]
    cells = dict(urg.get("value") or {})
    urg["value"] = {c: derived_sum([(w.get("value") or {}).get(c) for w in w_urg]) for c in cells}
    for key in ("cases_by_urgency", "time_to_decision"):
        entry = period["indicators"][key]
        n = derived_sum([w["indicators"][key].get("n") for w in weeks])
        if n != entry.get("n"):
            entry["complete"] = NO_PCT
        entry["n"] = n
    return period, weeks


# -- the dashboard ---------------------------------------------------------------------


def _name(indicator_id: str) -> str:
    return pick(load_catalogue().get(indicator_id).name)


def _entry(report: Mapping[str, Any], indicator_id: str) -> dict[str, Any]:
    return dict(report["indicators"].get(indicator_id) or {})


def _available(entry: Mapping[str, Any]) -> bool:
    return entry.get("available", True) is not False and entry.get("note") != NOT_AVAILABLE


def _stand(as_of: datetime) -> str:
    return _("stand van {moment}").format(moment=timefmt.format_datetime(as_of))


def _caption(entry: Mapping[str, Any], as_of: datetime) -> str:
    return f"{figure_caption(entry)} · {_stand(as_of)}"


def _columns(first: str, series: Sequence[str]) -> tuple[str, ...]:
    return (first, *series, _("n (meldingen)"), _("volledig"))


def build_dashboard(
    period: Mapping[str, Any],
    weekly: Sequence[tuple[Week, Mapping[str, Any]]],
    *,
    source: Source,
    urgencies: Sequence[str] = URGENCIES,
    norms: Mapping[str, float] | None = None,
    notice: str = "",
    last_sync: datetime | None = None,
) -> Dashboard:
    """Charts and tables of one period report and its weekly reports."""
    norms = dict(DEFAULT_NORMS if norms is None else norms)
    chosen = tuple(u for u in URGENCIES if u in set(urgencies)) or URGENCIES
    as_of = datetime.fromisoformat(str(period["computed_at"]))
    public = bool(period.get("public"))
    weeks = tuple(w.label for w, _r in weekly)
    reports: Sequence[Mapping[str, Any]] = [r for _w, r in weekly]
    if public:
        period, reports = guarded(period, reports)
    charts = [
        _cases_per_week(weeks, reports, chosen, as_of),
        _on_time(weeks, reports, chosen, norms, as_of),
        _time_to_decision(weeks, reports, as_of),
        _urgency_mix(period, chosen, as_of),
        _by_hour(period, as_of),
        _not_available_chart(period, "placement_wait", as_of),
        _not_available_chart(period, "free_places", as_of),
    ]
    tables = [_other_figures(period, as_of), _completeness(period, as_of)]
    return Dashboard(
        region=str(period["region"]),
        start=date.fromisoformat(str(period["from"])),
        end=date.fromisoformat(str(period["to"])),
        source=source,
        as_of=as_of,
        public=public,
        urgencies=chosen,
        charts=tuple(charts),
        tables=tuple(tables),
        notice=notice,
        last_sync=last_sync,
    )


def _cases_per_week(
    weeks: tuple[str, ...],
    reports: Sequence[Mapping[str, Any]],
    chosen: tuple[str, ...],
    as_of: datetime,
) -> Chart:
    entries = [_entry(r, "cases_by_urgency") for r in reports]
    series = tuple(
        Series(u, tuple(point((e.get("value") or {}).get(u)) for e in entries)) for u in chosen
    )
    rows = tuple(
        (
            week,
            *(s.points[i].text for s in series),
            number_text(e.get("n")),
            complete_text(e.get("complete")),
        )
        for i, (week, e) in enumerate(zip(weeks, entries, strict=True))
    )
    table = Table(
        "cases_per_week",
        _("Beoordeelde meldingen per week en urgentie"),
        _columns(_("Week"), chosen),
        rows,
    )
    totals = [_entry(r, "cases_total") for r in reports]
    empty = (
        None
        if any(isinstance(t.get("value"), str) or t.get("value") for t in totals)
        else (no_cases_text())
    )
    n_text = _("n per week in de tabel")
    return Chart(
        "cases_per_week",
        table.title,
        "bar",
        _("meldingen"),
        weeks,
        series,
        table,
        empty=empty if weeks else no_cases_text(),
        caption=f"{n_text} · {_stand(as_of)}",
    )


def _on_time(
    weeks: tuple[str, ...],
    reports: Sequence[Mapping[str, Any]],
    chosen: tuple[str, ...],
    norms: Mapping[str, float],
    as_of: datetime,
) -> Chart:
    title = _("Eerste contact op tijd per urgentie (afspraak nagekomen)")
    entries = [_entry(r, "first_contact_on_time") for r in reports]
    available = bool(entries) and all(_available(e) for e in entries)
    norm_values = {norms[u] for u in chosen if u in norms}
    norm = next(iter(norm_values)) if len(norm_values) == 1 else None
    norm_label = _("norm {pct}%").format(pct=number_text(norm)) if norm is not None else ""
    if not available:
        table = Table(
            "first_contact_on_time",
            title,
            (_("Indicator"), _("Waarde")),
            ((_name("first_contact_on_time"), not_available_text()),),
        )
        return Chart(
            "first_contact_on_time",
            title,
            "line",
            "%",
            weeks,
            (),
            table,
            norm=norm,
            norm_label=norm_label,
            empty=not_available_text(),
            caption=_stand(as_of),
        )
    series = []
    cells: list[list[str]] = [[w] for w in weeks]
    for u in chosen:
        pts = []
        for i, e in enumerate(entries):
            item = (e.get("value") or {}).get(u) or {}
            p = point(item.get("pct"), "percent")
            pts.append(p)
            cells[i].append(
                _("{pct} ({num} van {den})").format(
                    pct=p.text,
                    num=number_text(item.get("numerator")),
                    den=number_text(item.get("denominator")),
                )
            )
        series.append(Series(u, tuple(pts)))
    rows = tuple(
        (*c, number_text(e.get("n")), complete_text(e.get("complete")))
        for c, e in zip(cells, entries, strict=True)
    )
    norm_cols = [
        f"{u}: " + _("norm {pct}%").format(pct=number_text(norms[u])) for u in chosen if u in norms
    ]
    table = Table("first_contact_on_time", title, _columns(_("Week"), chosen), rows)
    caption = f"{' · '.join(norm_cols)} · {_stand(as_of)}"
    return Chart(
        "first_contact_on_time",
        title,
        "line",
        "%",
        weeks,
        tuple(series),
        table,
        norm=norm,
        norm_label=norm_label,
        caption=caption,
    )


def _time_to_decision(
    weeks: tuple[str, ...], reports: Sequence[Mapping[str, Any]], as_of: datetime
) -> Chart:
    title = _("Tijd tot triagebeslissing per week (minuten)")
    entries = [_entry(r, "time_to_decision") for r in reports]
    median = Series(
        _("mediaan"), tuple(point((e.get("value") or {}).get("median")) for e in entries)
    )
    p90 = Series(_("p90"), tuple(point((e.get("value") or {}).get("p90")) for e in entries))
    rows = tuple(
        (
            w,
            median.points[i].text,
            p90.points[i].text,
            number_text(e.get("n")),
            complete_text(e.get("complete")),
        )
        for i, (w, e) in enumerate(zip(weeks, entries, strict=True))
    )
    table = Table("time_to_decision", title, _columns(_("Week"), (median.name, p90.name)), rows)
    has_any = any(isinstance(e.get("n"), str) or e.get("n") for e in entries)
    return Chart(
        "time_to_decision",
        title,
        "line",
        _("minuten"),
        weeks,
        (median, p90),
        table,
        empty=None if has_any else no_cases_text(),
        caption=_stand(as_of),
    )


def _urgency_mix(period: Mapping[str, Any], chosen: tuple[str, ...], as_of: datetime) -> Chart:
    entry = _entry(period, "cases_by_urgency")
    value = dict(entry.get("value") or {})
    n = entry.get("n")
    series = (Series(_("meldingen"), tuple(point(value.get(u)) for u in chosen)),)
    rows = tuple((u, series[0].points[i].text) for i, u in enumerate(chosen))
    rows += (
        (_("totaal (n)"), number_text(n)),
        (_("volledig"), complete_text(entry.get("complete"))),
    )
    table = Table("urgency_mix", _name("cases_by_urgency"), (_("Urgentie"), _("Meldingen")), rows)
    empty = None if (isinstance(n, str) or n) else no_cases_text()
    return Chart(
        "urgency_mix",
        table.title,
        "bar",
        _("meldingen"),
        chosen,
        series,
        table,
        empty=empty,
        caption=_caption(entry, as_of),
    )


def _by_hour(period: Mapping[str, Any], as_of: datetime) -> Chart:
    entry = _entry(period, "cases_by_hour")
    value = entry.get("value") or {}
    hours = tuple(str(h) for h in range(24))
    series = (Series(_("meldingen"), tuple(point(value.get(h)) for h in hours)),)
    rows = tuple((f"{int(h):02d}:00", series[0].points[i].text) for i, h in enumerate(hours))
    table = Table("cases_by_hour", _name("cases_by_hour"), (_("Uur"), _("Meldingen")), rows)
    n = entry.get("n")
    empty = None if (isinstance(n, str) or n) else no_cases_text()
    return Chart(
        "cases_by_hour",
        table.title,
        "bar",
        _("meldingen"),
        hours,
        series,
        table,
        empty=empty,
        caption=_caption(entry, as_of),
    )


def _not_available_chart(period: Mapping[str, Any], indicator_id: str, as_of: datetime) -> Chart:
    entry = _entry(period, indicator_id)
    title = _name(indicator_id)
    # when a source arrives, its figure shows as a table row until it has a chart
    text = str(entry.get("value")) if _available(entry) else not_available_text()
    table = Table(indicator_id, title, (_("Indicator"), _("Waarde")), ((title, text),))
    return Chart(
        indicator_id,
        title,
        "bar",
        "",
        (),
        (),
        table,
        empty=not_available_text(),
        caption=_stand(as_of),
    )


def _other_figures(period: Mapping[str, Any], as_of: datetime) -> Table:
    rows: list[tuple[str, ...]] = []
    total = _entry(period, "cases_total")
    rows.append(
        (
            _name("cases_total"),
            number_text(total.get("value")),
            number_text(total.get("n")),
            complete_text(total.get("complete")),
        )
    )
    ttd = _entry(period, "time_to_decision")
    value = ttd.get("value") or {}
    rows.append(
        (
            _name("time_to_decision"),
            _("mediaan {median}, p90 {p90} min").format(
                median=number_text(value.get("median")), p90=number_text(value.get("p90"))
            ),
            number_text(ttd.get("n")),
            complete_text(ttd.get("complete")),
        )
    )
    rec = _entry(period, "needs_reconciliation")
    ratio = rec.get("value") or {}
    rows.append(
        (
            _name("needs_reconciliation"),
            _("{pct} ({num} van {den})").format(
                pct=number_text(ratio.get("pct"), "percent"),
                num=number_text(ratio.get("numerator")),
                den=number_text(ratio.get("denominator")),
            ),
            number_text(rec.get("n")),
            complete_text(rec.get("complete")),
        )
    )
    for indicator in load_catalogue().indicators:
        entry = _entry(period, indicator.id)
        if not _available(entry):
            rows.append((pick(indicator.name), not_available_text(), "–", "–"))
    title = _("Overige cijfers over de hele periode")
    return Table(
        "other_figures",
        f"{title} ({_stand(as_of)})",
        (_("Indicator"), _("Waarde"), _("n (meldingen)"), _("volledig")),
        tuple(rows),
    )


def _completeness(period: Mapping[str, Any], as_of: datetime) -> Table:
    entry = _entry(period, "completeness")
    value = entry.get("value") or {}
    rows = tuple(
        (
            fid,
            number_text(r.get("pct"), "percent"),
            _("{num} van {den}").format(
                num=number_text(r.get("numerator")), den=number_text(r.get("denominator"))
            ),
        )
        for fid, r in value.items()
    )
    title = _("Volledigheid van de verplichte velden")
    return Table(
        "completeness", f"{title} ({_stand(as_of)})", (_("Veld"), _("Ingevuld"), _("Aantal")), rows
    )


@dataclass
class Filters:
    """What the coordinator chose: the period, the region and the urgencies shown."""

    start: date
    end: date
    region: str
    urgencies: tuple[str, ...] = URGENCIES
    public: bool = False


def month_bounds(day: date) -> tuple[date, date]:
    """The calendar month around ``day``: [first, first of next)."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def filter_problem(start: date, end: date, today: date) -> str | None:
    """A Dutch message naming the field when the period cannot be shown, else None.
    ``end`` is exclusive (the UI shows the last day, "t/m")."""
    if end <= start:
        return _("Tot en met: de laatste dag ligt vóór de eerste dag ({start}).").format(
            start=timefmt.format_date(start)
        )
    if start > today:
        return _("Van: {start} ligt in de toekomst.").format(start=timefmt.format_date(start))
    if (end - start).days > 366:
        return _("Tot en met: kies een periode van hoogstens een jaar.")
    return None
