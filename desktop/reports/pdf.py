"""The PDF layout of Doorloop's reports (reportlab platypus): sections in, bytes out.

Every page carries a header (Doorloop, report kind, "Vertrouwelijk — medisch
beroepsgeheim", region, short case id, the youth's name) and a footer (printed by /
at, "pagina x van y"). Label/value rows sit in tables whose rows never split; long
free text is paragraphs that flow across pages. Fonts: :mod:`desktop.reports.fonts`.
Nothing is written to disk: the document is built in memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.reports.contents import Row, Section, format_datetime
from desktop.reports.fonts import BOLD, REGULAR, register_fonts

# Binary (Flate-only) streams: ASCII85 is 7-bit transport armour no one needs, and its
# pure-Python encoder was a third of the rendering time.
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
HEADER_HEIGHT = 17 * mm
FOOTER_HEIGHT = 10 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 52 * mm
CELL_PADDING = 1.5 * mm
HEADING_ROWS = 2  # table rows kept on the page with their section heading

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b8b8b8")
SECTION_BACK = colors.HexColor("#e8edf2")
QUOTE_BACK = colors.HexColor("#fff6d6")
QUOTE_EDGE = colors.HexColor("#c9a227")
BANNER_BACK = colors.HexColor("#fde4e1")
BANNER_EDGE = colors.HexColor("#b3261e")


@dataclass(frozen=True)
class PageFurniture:
    """What every page repeats: header lines and footer texts (already translated)."""

    title: str
    confidential: str
    header_detail: str
    printed: str
    page_of: str  # with {page} and {pages}


@dataclass(frozen=True)
class Grid:
    """A titled table of several columns (a group overview), printed before the
    sections; ``widths`` are the columns' shares of the page width."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


def _grid_flowables(grid: Grid, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    small = ParagraphStyle("grid", s["value"], fontSize=8, leading=10)
    head = ParagraphStyle("grid_head", s["label"], fontName=BOLD, fontSize=8, leading=10)
    widths = [BODY_WIDTH * share / sum(grid.widths) for share in grid.widths]
    data = [[Paragraph(markup(text), head) for text in grid.header]]
    data += [[Paragraph(markup(text), small) for text in row] for row in grid.rows]
    table = Table(data, colWidths=widths, repeatRows=1, splitByRow=1, hAlign="LEFT")
    table.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, 0), SECTION_BACK)]))
    heading = Paragraph(markup(grid.title), s["section"])
    if len(data) < 12:  # a short table stays with its heading
        return [KeepTogether([heading, table])]
    return [heading, table]


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "title": ParagraphStyle(
            "title", base, fontName=BOLD, fontSize=14, leading=17, spaceAfter=2.5 * mm
        ),
        "section": ParagraphStyle(
            "section",
            base,
            fontName=BOLD,
            fontSize=11.5,
            leading=14,
            backColor=SECTION_BACK,
            # ReportLab takes one padding or (top, right, bottom, left); the stubs only a float
            borderPadding=(1.5 * mm, 2 * mm, 1.5 * mm, 2 * mm),  # type: ignore[arg-type]
            spaceBefore=3.5 * mm,
            spaceAfter=2 * mm,
        ),
        "label": ParagraphStyle("label", base, fontSize=8.5, leading=11, textColor=MUTED),
        "value": base,
        "text_label": ParagraphStyle(
            "text_label",
            base,
            fontName=BOLD,
            fontSize=9,
            leading=11.5,
            spaceBefore=2 * mm,
            spaceAfter=1 * mm,
            keepWithNext=1,
        ),
        "text": ParagraphStyle("text", base, spaceAfter=1.5 * mm),
        "quote_label": ParagraphStyle(
            "quote_label",
            base,
            fontName=BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=3 * mm,
            spaceAfter=2 * mm,
            keepWithNext=1,
        ),
        "quote": ParagraphStyle(
            "quote",
            base,
            fontSize=12,
            leading=16,
            backColor=QUOTE_BACK,
            borderColor=QUOTE_EDGE,
            borderWidth=0.8,
            borderPadding=2.5 * mm,
            leftIndent=2.5 * mm,
            rightIndent=2.5 * mm,
            spaceBefore=3.5 * mm,
            spaceAfter=4 * mm,
        ),
        "banner": ParagraphStyle(
            "banner",
            base,
            fontName=BOLD,
            fontSize=10,
            leading=13,
            backColor=BANNER_BACK,
            borderColor=BANNER_EDGE,
            borderWidth=0.8,
            borderPadding=2 * mm,
            leftIndent=2 * mm,
            rightIndent=2 * mm,
            spaceBefore=2.5 * mm,
            spaceAfter=3 * mm,
        ),
        "notice": ParagraphStyle("notice", base, spaceBefore=1 * mm, spaceAfter=2 * mm),
        "urgency": ParagraphStyle("urgency", base, fontName=BOLD, fontSize=15, leading=19),
        "deadline": ParagraphStyle(
            "deadline", base, fontName=BOLD, fontSize=11, leading=14, alignment=TA_RIGHT
        ),
        "severity": ParagraphStyle("severity", base, fontName=BOLD, fontSize=9, leading=12),
        "citation": ParagraphStyle("citation", base, fontSize=8.5, leading=11, textColor=MUTED),
    }


def _compact_styles(s: dict[str, ParagraphStyle]) -> dict[str, ParagraphStyle]:
    """Smaller type for the full sections after a one-look first page."""
    small = dict(s)
    small["label"] = ParagraphStyle("c_label", s["label"], fontSize=7, leading=8)
    small["value"] = ParagraphStyle("c_value", s["value"], fontSize=8.5, leading=9.6)
    small["text"] = ParagraphStyle(
        "c_text", s["text"], fontSize=8.5, leading=9.8, spaceAfter=0.8 * mm
    )
    small["text_label"] = ParagraphStyle(
        "c_text_label", s["text_label"], fontSize=8, leading=9.5, spaceBefore=1 * mm
    )
    small["quote"] = ParagraphStyle(
        "c_quote",
        s["quote"],
        fontSize=9.5,
        leading=12,
        borderPadding=1.8 * mm,
        spaceBefore=2 * mm,
        spaceAfter=2.5 * mm,
    )
    small["quote_label"] = ParagraphStyle(
        "c_quote_label", s["quote_label"], fontSize=8.5, leading=11, spaceBefore=1.5 * mm
    )
    small["section"] = ParagraphStyle(
        "c_section",
        s["section"],
        fontSize=9.5,
        leading=11,
        borderPadding=(0.6 * mm, 2 * mm, 0.6 * mm, 2 * mm),  # type: ignore[arg-type]
        spaceBefore=1.6 * mm,
        spaceAfter=1 * mm,
    )
    small["notice"] = ParagraphStyle(
        "c_notice", s["notice"], fontSize=8, leading=10, spaceBefore=0.5 * mm, spaceAfter=1 * mm
    )
    small["severity"] = ParagraphStyle("c_severity", s["severity"], fontSize=8.5, leading=10.5)
    return small


def markup(text: str) -> str:
    """Escape text for a reportlab Paragraph, keeping its line breaks."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    """Free text as one paragraph per blank-line-separated block, so it flows across pages."""
    blocks = [block.strip("\n") for block in text.replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(markup(block), style) for block in blocks if block.strip()]


# Table style commands; the stubs type each command as a fixed tuple shape.
_GRID: list[Any] = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.4 * mm),
]


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A plain string when the text fits on one line (much faster), else a Paragraph."""
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width:
        return text
    return Paragraph(markup(text), style)


def _field_table(rows: Sequence[Row], s: dict[str, ParagraphStyle]) -> Table:
    label_room = LABEL_WIDTH - 2 * CELL_PADDING
    value_room = BODY_WIDTH - LABEL_WIDTH - 2 * CELL_PADDING
    data = [
        [_cell(row.label, s["label"], label_room), _cell(row.value, s["value"], value_room)]
        for row in rows
    ]
    table = Table(
        data, colWidths=[LABEL_WIDTH, BODY_WIDTH - LABEL_WIDTH], splitByRow=1, hAlign="LEFT"
    )
    label, value = s["label"], s["value"]
    table.setStyle(
        TableStyle(
            [
                *_GRID,
                ("FONT", (0, 0), (0, -1), label.fontName, label.fontSize, label.leading),
                # the smaller label font shares the value's baseline
                ("TOPPADDING", (0, 0), (0, -1), 1.2 * mm + value.fontSize - label.fontSize),
                ("TEXTCOLOR", (0, 0), (0, -1), label.textColor),
                ("FONT", (1, 0), (1, -1), value.fontName, value.fontSize, value.leading),
                ("TEXTCOLOR", (1, 0), (1, -1), value.textColor),
            ]
        )
    )
    return table


GRID_CELLS = 4  # stacked label/value cells on one line of a dense section


_Line = tuple[list[Any], list[tuple[int, int]]]  # cells, (first, last) cell spans


class _TextLine(Flowable):
    """One line of text drawn as it is (a Paragraph's work is not needed, and the text
    is extracted back exactly as typed)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return availWidth, self.style.leading

    def draw(self) -> None:
        style = self.style
        self.canv.setFont(style.fontName, style.fontSize)
        self.canv.setFillColor(style.textColor)
        self.canv.drawString(0, style.leading - style.fontSize, self.text)


def _cell_text(text: str, style: ParagraphStyle, width: float) -> Flowable:
    """A single line when the text fits one, else a wrapping Paragraph."""
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width:
        return _TextLine(text, style)
    return Paragraph(markup(text), style)


def _grid_lines(rows: Sequence[Row], s: dict[str, ParagraphStyle]) -> list[_Line]:
    """Dense rows: each answer a cell with its label above its value, four to a line;
    an answer that needs more room takes two cells or the whole line (in form order),
    so nothing is cut or squeezed."""
    cell = BODY_WIDTH / GRID_CELLS
    label, value = s["label"], s["value"]
    lines: list[_Line] = []
    cells: list[Any] = []
    spans: list[tuple[int, int]] = []

    def cells_needed(row: Row) -> int:
        if "\n" in row.value:
            return GRID_CELLS
        label_width = stringWidth(row.label, label.fontName, label.fontSize)
        value_width = stringWidth(row.value, value.fontName, value.fontSize)
        for span in (1, 2):
            room = span * cell - 2 * CELL_PADDING
            # the value on one line (two for a double cell), the label on at most two
            if value_width <= room * span and label_width <= room * 2:
                return span
        return GRID_CELLS

    def end_line() -> None:
        nonlocal cells, spans
        if not cells:
            return
        if len(cells) < GRID_CELLS:  # the last answer takes the rest of the line
            first = len(cells) - 1
            while first > 0 and cells[first] == "":
                first -= 1
            spans = [span for span in spans if span[0] != first]
            spans.append((first, GRID_CELLS - 1))
            cells = cells + [""] * (GRID_CELLS - len(cells))
        lines.append((cells, spans))
        cells, spans = [], []

    for row in rows:
        span = cells_needed(row)
        if len(cells) + span > GRID_CELLS:
            end_line()
        if span > 1:
            spans.append((len(cells), len(cells) + span - 1))
        room = span * cell - 2 * CELL_PADDING
        cells.append([_cell_text(row.label, label, room), _cell_text(row.value, value, room)])
        cells += [""] * (span - 1)
    end_line()
    return lines


def _grid_table(lines: Sequence[_Line], *, dense: bool = False) -> Table:
    data = [cells for cells, _spans in lines]
    spans = [
        ("SPAN", (first, number), (last, number))
        for number, (_cells, line_spans) in enumerate(lines)
        for first, last in line_spans
        if last > first
    ]
    table = Table(data, colWidths=[BODY_WIDTH / GRID_CELLS] * GRID_CELLS, splitByRow=1)
    table.hAlign = "LEFT"
    table.setStyle(
        TableStyle(
            [
                *_GRID,
                ("TOPPADDING", (0, 0), (-1, -1), (0.25 if dense else 0.4) * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), (0.5 if dense else 0.7) * mm),
                *spans,
            ]
        )
    )
    return table


def _flag_table(rows: Sequence[Row], s: dict[str, ParagraphStyle]) -> Table:
    data = []
    for row in rows:
        body = markup(row.value)
        if row.note:
            body += f'<br/><font size="8.5" color="#555555">{markup(row.note)}</font>'
        data.append([Paragraph(markup(row.label), s["severity"]), Paragraph(body, s["value"])])
    table = Table(
        data, colWidths=[LABEL_WIDTH, BODY_WIDTH - LABEL_WIDTH], splitByRow=1, hAlign="LEFT"
    )
    table.setStyle(TableStyle(_GRID))
    return table


def _urgency_block(row: Row, s: dict[str, ParagraphStyle]) -> Table:
    colour = colors.HexColor(row.colour) if row.colour else MUTED
    label = Paragraph(markup(row.label), s["label"])
    cells = [
        [
            "",
            [label, Paragraph(markup(row.value), s["urgency"])],
            Paragraph(markup(row.note), s["deadline"]),
        ]
    ]
    table = Table(
        cells, colWidths=[4 * mm, BODY_WIDTH * 0.5, BODY_WIDTH * 0.5 - 4 * mm], hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, 0), colour),
                ("BOX", (0, 0), (-1, -1), 0.8, colour),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (1, 0), (-1, -1), 3 * mm),
                ("RIGHTPADDING", (1, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return table


class _SectionLayout:
    """Collects one section's flowables; consecutive short rows share one table."""

    def __init__(
        self, s: dict[str, ParagraphStyle], *, paired: bool = False, dense: bool = False
    ) -> None:
        self.s = s
        self.paired = paired
        self.dense = dense
        self.body: list[Flowable] = []
        self.keep = 0  # how many of body's first flowables stay with the heading
        self.pending: list[Row] = []

    def add(self, *flowables: Flowable, keep: int = 1) -> None:
        if not self.body:
            self.keep = keep
        self.body.extend(flowables)

    def flush(self) -> None:
        if not self.pending:
            return
        maker = _flag_table if self.pending[0].kind == "flag" else _field_table
        rows, self.pending = self.pending, []
        if self.paired and maker is _field_table:
            lines = _grid_lines(rows, self.s)
            if not self.body and len(lines) > 1:
                self.add(_grid_table(lines[:1], dense=self.dense))
                lines = lines[1:]
            gap = (0.8 if self.dense else 1.5) * mm
            self.add(_grid_table(lines, dense=self.dense), Spacer(1, gap))
            return
        if not self.body and len(rows) > HEADING_ROWS:
            self.add(maker(rows[:HEADING_ROWS], self.s))
            rows = rows[HEADING_ROWS:]
        self.add(maker(rows, self.s), Spacer(1, 1.5 * mm))

    def row(self, row: Row) -> None:
        s = self.s
        if row.kind in ("field", "flag"):
            if self.pending and self.pending[0].kind != row.kind:
                self.flush()
            self.pending.append(row)
            return
        self.flush()
        if row.kind in ("text", "quote"):
            label = Paragraph(markup(row.label), s[f"{row.kind}_label"])
            self.add(label, *_paragraphs(row.value, s[row.kind]), keep=2)
        elif row.kind == "urgency":
            self.add(_urgency_block(row, s), Spacer(1, 2 * mm))
        elif row.kind == "banner":
            text = f"{markup(row.label)}: {markup(row.value)}"
            if row.note:
                text += f' <font name="{REGULAR}" size="8.5">({markup(row.note)})</font>'
            self.add(Paragraph(text, s["banner"]))
        elif row.label:  # a notice that must stand out (e.g. training)
            self.add(Paragraph(f"{markup(row.label)}: {markup(row.value)}", s["banner"]))
        else:
            self.add(Paragraph(markup(row.value), s["notice"]))


def section_flowables(
    sections: Iterable[Section], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    """Lay out the sections: headings, tables of short rows, flowing long text.

    A heading is kept on the page with the start of its section (the first rows of a
    table, or a text's label and first paragraph), never with all of it, so a long
    section starts where it is and flows on.
    """
    story: list[Flowable] = []
    compact = _compact_styles(styles)
    for section in sections:
        s = compact if section.compact else styles
        layout = _SectionLayout(s, paired=section.paired, dense=section.compact)
        for row in section.rows:
            layout.row(row)
        layout.flush()
        heading = Paragraph(markup(section.title), s["section"])
        story.append(KeepTogether([heading, *layout.body[: layout.keep]]))
        story.extend(layout.body[layout.keep :])
    return story


def _canvas_maker(furniture: PageFurniture) -> Callable[..., Canvas]:
    """A canvas that draws "pagina x van y" once the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # private, not in the stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            y = MARGIN - 2 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN, y + 4.5 * mm, PAGE_WIDTH - MARGIN, y + 4.5 * mm)
            self.setFillColor(MUTED)
            self.setFont(REGULAR, 8)
            self.drawString(MARGIN, y, furniture.printed)
            self.setFont(BOLD, 8.5)
            page_of = furniture.page_of.format(page=number, pages=total)
            self.drawRightString(PAGE_WIDTH - MARGIN, y, page_of)

    return NumberedCanvas


def _fitting(text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` (not below 6 pt) at which ``text`` fits."""
    natural = stringWidth(text, font, size)
    return size if natural <= width else max(6.0, size * width / natural)


def _draw_header(furniture: PageFurniture) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN + 4 * mm
        confidential_width = stringWidth(furniture.confidential, BOLD, 9.5)
        room = BODY_WIDTH - confidential_width - 6 * mm
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, _fitting(furniture.title, BOLD, 10.5, room))
        canvas.drawString(MARGIN, top, furniture.title)
        canvas.setFillColor(BANNER_EDGE)
        canvas.setFont(BOLD, 9.5)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, furniture.confidential)
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, _fitting(furniture.header_detail, REGULAR, 8.5, BODY_WIDTH))
        canvas.drawString(MARGIN, top - 4.5 * mm, furniture.header_detail)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 7 * mm, PAGE_WIDTH - MARGIN, top - 7 * mm)
        canvas.restoreState()

    return draw


def build_pdf(
    *,
    heading: str,
    furniture: PageFurniture,
    sections: Sequence[Section],
    subject: str,
    author: str,
    lang: str,
    created: datetime | None = None,
    grids: Sequence[Grid] = (),
) -> bytes:
    """Render a report: a heading, then the sections, with header and footer on each page.

    ``created``: the PDF's creation date (the real print moment); without it the bytes
    are reproducible and the date is ReportLab's fixed one."""
    register_fonts()
    s = _styles()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT - 6 * mm,
        bottomMargin=MARGIN + FOOTER_HEIGHT - 4 * mm,
        title=heading,
        subject=subject,
        author=author,
        creator="Doorloop",
        producer="Doorloop",
        invariant=0 if created else 1,  # reproducible bytes unless a moment is given
        displayDocTitle=1,
        lang=lang,
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_draw_header(furniture))])
    story: list[Flowable] = [Paragraph(markup(heading), s["title"])]
    for grid in grids:
        story += _grid_flowables(grid, s)
    story += section_flowables(sections, s)
    maker = _canvas_maker(furniture)
    if created is not None:
        stamp = _time_stamp(created)

        def stamped(*args: Any, **kwargs: Any) -> Canvas:
            canvas = maker(*args, **kwargs)
            # ReportLab has no public setter; _doc is private and not in the stubs
            canvas._doc._timeStamp = stamp  # type: ignore[attr-defined]
            return canvas

        doc.build(story, canvasmaker=stamped)
    else:
        doc.build(story, canvasmaker=maker)
    return buffer.getvalue()


def _time_stamp(moment: datetime) -> Any:
    """ReportLab's document time stamp for ``moment`` (creation and modification date)."""
    from reportlab.pdfbase.pdfdoc import TimeStamp  # type: ignore[attr-defined]  # not in the stubs

    stamp = TimeStamp(invariant=0)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh, stamp.dmm = int(minutes / 60), abs(minutes) % 60
    stamp.tzname = moment.tzname() or "UTC"
    return stamp


def printed_line(
    printed_by: str, printed_at: datetime, template: str, zone: tzinfo | None = None
) -> str:
    """The footer's "printed by / at" text from a translated template."""
    return template.format(name=printed_by, moment=format_datetime(printed_at, zone))
