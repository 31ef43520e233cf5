"""The debrief of one attempt: what went well and what was missed, as report sections
and as a PDF.

:func:`debrief_sections` builds the same :class:`~desktop.reports.Section` data that the
handover uses, so the Qt debrief view and the PDF show one thing; :func:`render_debrief`
lays it out with the reports' PDF machinery (:func:`desktop.reports.pdf.build_pdf`:
embedded font, header, footer, page numbers). Pure: data in, bytes out. Words are never
the only signal: every result has a word ("goed", "gemist") besides its mark.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from desktop.forms import FormDefinition, load_form
from desktop.forms.text import answer_text
from desktop.i18n import pick
from desktop.reports.contents import Row, Section
from desktop.reports.text import translator
from desktop.training.scenario import FREE_TEXT_TYPES, Scenario
from desktop.training.scoring import Score

OK = "✓"
MISS = "✗"


@cache
def _rules_by_code() -> dict[str, Any]:
    import legal_rules

    rules: dict[str, Any] = {}
    for rule in sorted(legal_rules.load_rules().rules, key=lambda r: r.valid_from):
        rules[rule.code] = rule  # the newest entry of each code wins
    return rules


def format_seconds(seconds: float) -> str:
    """``6:05`` (minutes:seconds), or ``1:02:03`` past an hour."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_number(value: float, lang: str) -> str:
    """``54,4`` in Dutch, ``54.4`` in English; whole numbers without decimals."""
    text = f"{round(value, 1):g}"
    return text.replace(".", ",") if lang == "nl" else text


def format_value(
    form: FormDefinition, field_id: str, value: Any, lang: str, zone: tzinfo | None = None
) -> str:
    """A stored (or expected) value as the trainee saw it in the form: option labels,
    ja/nee, dates as dd-mm-jjjj, decimal commas (:func:`desktop.forms.text.answer_text`)."""
    _, _n = translator(lang)
    expected_text = form.has_field(field_id) and form.field(field_id).type in FREE_TEXT_TYPES
    if expected_text and isinstance(value, list) and value:  # an expected text: its keywords
        return _("trefwoorden: {words}").format(words=", ".join(value))
    return answer_text(form, field_id, value, lang, zone)


def _urgency_text(form: FormDefinition, code: str | None, lang: str) -> str:
    if code is None:
        return translator(lang)[0]("(leeg)")
    for level in form.urgency:
        if level.code == code:
            return f"{code} {pick(level.label, lang)}"
    return code


def summary_rows(score: Score, lang: str) -> list[Row]:
    """The headline figures of a score (also the group view's columns)."""
    _, _n = translator(lang)
    flags = score.flags
    judged = len(set(flags.expected) | set(flags.produced))
    time_word = _("binnen de doeltijd") if score.within_time else _("over de doeltijd")
    return [
        Row(
            _("Totaalscore"),
            _("{points} van 100 punten").format(points=format_number(score.total, lang)),
        ),
        Row(
            _("Velden goed ingevuld"),
            _("{n} van {total}").format(n=score.fields_correct, total=len(score.fields)),
        ),
        Row(
            _("Kernvragen gesteld"),
            _("{n} van {total}").format(n=score.questions_asked, total=len(score.questions)),
        ),
        Row(
            _("Urgentie"),
            (OK + " " + _("goed")) if score.urgency.correct else (MISS + " " + _("niet goed")),
        ),
        Row(
            _("Interventie"),
            (OK + " " + _("goed")) if score.intervention.correct else (MISS + " " + _("niet goed")),
        ),
        Row(
            _("Juridische signalen"),
            _("{n} van {total} overeen").format(n=len(flags.matched), total=judged),
        ),
        Row(
            _("Tijd tot besluit"),
            _("{time} (doel {target} min): {judgement}").format(
                time=format_seconds(score.seconds_to_decision),
                target=format_number(score.target_seconds / 60, lang),
                judgement=time_word,
            ),
        ),
    ]


def debrief_sections(
    scenario: Scenario,
    score: Score,
    *,
    lang: str = "nl",
    form: FormDefinition | None = None,
) -> list[Section]:
    """The debrief as report sections, in reading order."""
    _, _n = translator(lang)
    form = form or load_form(scenario.form.id, scenario.form.version)
    sections: list[Section] = [
        Section(
            "training",
            _("Oefening"),
            (
                Row(
                    _("OEFENING"),
                    _("Geen echte casus: alle gegevens in deze oefening zijn verzonnen."),
                    kind="notice",
                ),
                Row(_("Casus"), pick(scenario.title, lang)),
                Row(_("Melder"), pick(scenario.caller, lang)),
            ),
        ),
        Section("summary", _("Resultaat"), tuple(summary_rows(score, lang))),
        Section(
            "goals",
            _("Leerdoelen"),
            tuple(
                Row("", "• " + pick(goal, lang), kind="notice") for goal in scenario.learning_goals
            ),
        ),
    ]

    field_rows = []
    for result in score.fields:
        label = pick(form.field(result.field_id).label, lang)
        given = format_value(form, result.field_id, result.given, lang)
        if result.correct:
            value = f"{OK} {_('goed')}: {given}"
        else:
            expected = format_value(form, result.field_id, result.expected, lang)
            value = f"{MISS} {_('verwacht')}: {expected} — {_('ingevuld')}: {given}"
        field_rows.append(Row(label, value, field_ids=(result.field_id,)))
    sections.append(Section("fields", _("Vastgelegde feiten"), tuple(field_rows)))

    question_rows = []
    for asked in score.questions:
        question = scenario.key_question(asked.question_id)
        if asked.asked:
            word = f"{OK} {_('Gesteld')}"
            if asked.asked_after_seconds is not None:
                word += " " + _("na {time}").format(time=format_seconds(asked.asked_after_seconds))
        else:
            word = f"{MISS} {_('Niet gesteld')}"
        question_rows.append(
            Row(word, pick(question.text, lang), kind="flag", note=pick(question.why, lang))
        )
    if question_rows:
        sections.append(Section("questions", _("Kernvragen"), tuple(question_rows)))

    intervention_field = form.field("triage.intervention")

    def choice_row(label: str, expected: str, given: str | None, ok: bool, extra: str) -> Row:
        mark = f"{OK} {_('goed')}" if ok else f"{MISS} {_('niet goed')}"
        return Row(label, f"{mark}: {given} ({_('verwacht')}: {expected}){extra}")

    direction = {
        "too_high": " — " + _("te hoog ingeschat (overtriage)"),
        "too_low": " — " + _("te laag ingeschat (ondertriage: het gevaarlijkste soort fout)"),
    }.get(score.urgency.direction or "", "")
    sections.append(
        Section(
            "triage",
            _("Triage"),
            (
                choice_row(
                    _("Urgentie"),
                    _urgency_text(form, score.urgency.expected, lang),
                    _urgency_text(form, score.urgency.given, lang),
                    score.urgency.correct,
                    "" if score.urgency.correct else direction,
                ),
                choice_row(
                    _("Interventie"),
                    intervention_field.option_label(score.intervention.expected, lang),
                    intervention_field.option_label(score.intervention.given, lang)
                    if score.intervention.given
                    else _("(leeg)"),
                    score.intervention.correct,
                    "",
                ),
            ),
        )
    )

    rules = _rules_by_code()
    flag_rows = []
    for word, codes in (
        (f"{OK} {_('Gevonden')}", score.flags.matched),
        (f"{MISS} {_('Gemist')}", score.flags.missing),
        (f"{MISS} {_('Onterecht')}", score.flags.extra),
    ):
        for code in codes:
            rule = rules.get(code)
            title = pick(rule.title, lang) if rule else code
            note = code + (" · " + "; ".join(rule.citations) if rule else "")
            flag_rows.append(Row(word, title, kind="flag", note=note))
    if score.flags.problem:
        flag_rows.append(Row("", score.flags.problem, kind="notice"))
    if not flag_rows:
        flag_rows.append(
            Row("", _("Geen juridische signalen verwacht of gevonden."), kind="notice")
        )
    sections.append(Section("flags", _("Juridische signalen"), tuple(flag_rows)))

    if scenario.debrief:
        sections.append(
            Section(
                "debrief",
                _("Bespreekpunten"),
                tuple(
                    Row("", "• " + pick(point, lang), kind="notice") for point in scenario.debrief
                ),
            )
        )
    return sections


def render_debrief(
    scenario: Scenario,
    score: Score,
    *,
    trainee: str,
    printed_at: datetime,
    lang: str = "nl",
    form: FormDefinition | None = None,
    group: str | None = None,
    printed_by: str | None = None,
) -> bytes:
    """The debrief PDF of one attempt; ``printed_by`` is who prints it (the trainer at
    the keyboard; default the trainee), ``printed_at`` is also the PDF's creation date."""
    from desktop.reports.pdf import PageFurniture, build_pdf, printed_line

    _, _n = translator(lang)
    detail = [pick(scenario.title, lang), _("Deelnemer: {name}").format(name=trainee)]
    if group:
        detail.append(_("Groep: {group}").format(group=group))
    furniture = PageFurniture(
        title="Doorloop — " + _("Nabespreking oefening"),
        confidential=_("OEFENING — geen echte casus"),
        header_detail="  ·  ".join(detail),
        printed=printed_line(
            printed_by or trainee, printed_at, _("Afgedrukt door {name} op {moment}")
        ),
        page_of=_("pagina {page} van {pages}"),
    )
    return build_pdf(
        heading=_("Nabespreking: {title}").format(title=pick(scenario.title, lang)),
        furniture=furniture,
        sections=debrief_sections(scenario, score, lang=lang, form=form),
        subject=_("Oefening {id}").format(id=scenario.id),
        author=printed_by or trainee,
        lang=lang,
        created=printed_at,
    )
