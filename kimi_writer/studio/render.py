"""A chapter as the page shows it: the export's sanitized HTML, with the critic's quotes and the
lint findings marked in the text; and the two charts as SVG pictures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape

from ..book.manuscript import Manuscript, load_manuscript
from ..book.project import Project
from ..export.formats import chapter_html

_TAG = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Mark:
    quote: str
    kind: str  # "note" or "lint"
    index: int  # which note or finding, to link the text and the list


def chapter_page_html(project: Project, name: str, marks: list[Mark]) -> tuple[str, str]:
    """(title, sanitized HTML with the marks) of one part, rendered exactly as the exports render it."""
    book = load_manuscript(project)
    chapter = next(chapter for chapter in book.chapters if chapter.name == name)
    html = chapter_html(Manuscript(title=book.title, chapters=[chapter]))[0]
    return chapter.title, mark_quotes(html, marks)


def mark_quotes(html: str, marks: list[Mark]) -> str:
    """`html` with each quote (found within one run of text) wrapped in <mark>."""
    pieces = _TAG.split(html)
    for position, piece in enumerate(pieces):
        if piece and not piece.startswith("<"):
            pieces[position] = _mark_text(unescape(piece), marks)
    return "".join(pieces)


def _mark_text(text: str, marks: list[Mark]) -> str:
    spans = []
    for mark in marks:
        quote = mark.quote.strip().strip('"“”')
        start = text.find(quote) if len(quote) >= 3 else -1
        if start >= 0 and not any(a < start + len(quote) and start < b for a, b, _ in spans):
            spans.append((start, start + len(quote), mark))
    out, at = [], 0
    for start, end, mark in sorted(spans, key=lambda span: span[0]):
        out += [escape(text[at:start], quote=False),
                f'<mark class="{mark.kind}" data-{mark.kind}="{mark.index}">{escape(text[start:end], quote=False)}</mark>']
        at = end
    return "".join(out) + escape(text[at:], quote=False)


def bar_chart(title: str, bars: list[tuple[str, float | None, float | None]], top: float | None = None) -> str:
    """An SVG bar chart: one bar per (label, value, goal), the goal drawn as a tick."""
    width, height, pad = max(240, 14 * len(bars) + 40), 160, 24
    highest = top or max([value or 0 for _, value, _ in bars] + [goal or 0 for _, _, goal in bars] + [1])
    step = (width - pad - 8) / max(len(bars), 1)
    scale = (height - 2 * pad) / highest
    shapes = [f'<text x="{pad}" y="14" class="chart-title">{escape(title)}</text>',
              f'<line x1="{pad}" y1="{height - pad}" x2="{width - 8}" y2="{height - pad}" class="axis"/>']
    for index, (label, value, goal) in enumerate(bars):
        x = pad + index * step
        if value is not None:
            h = value * scale
            shapes.append(f'<rect x="{x + 1:.1f}" y="{height - pad - h:.1f}" width="{max(step - 2, 1):.1f}" '
                          f'height="{h:.1f}" class="bar"><title>{escape(label)}: {value:g}</title></rect>')
        if goal:
            y = height - pad - goal * scale
            shapes.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + step:.1f}" y2="{y:.1f}" class="goal"/>')
    shapes.append(f'<text x="{pad}" y="{height - 6}" class="chart-label">1</text>')
    shapes.append(f'<text x="{width - 8}" y="{height - 6}" text-anchor="end" class="chart-label">{len(bars)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(title)}">' + "".join(shapes) + "</svg>")
