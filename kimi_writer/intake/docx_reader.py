"""DOCX in (python-docx): paragraphs as Markdown, italics and bold kept, Heading styles as `#` headings,
the Title style as the book's title."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .parts import UnreadableSource

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted DOCX, or a Word 97-2003 .doc
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_EDGE_SPACE = re.compile(r"^(\s*)(.*?)(\s*)$", re.S)


def _emphasis(text: str, bold: bool, italic: bool) -> str:
    """`text` with its Markdown marks, the spaces at its edges kept outside them."""
    marks = ("**" if bold else "") + ("*" if italic else "")
    if not marks or not text.strip():
        return text
    before, inner, after = _EDGE_SPACE.match(text).groups()  # type: ignore[union-attr]
    return f"{before}{marks}{inner}{marks[::-1]}{after}"


def _runs(paragraph: Paragraph) -> list[Run]:
    """The paragraph's runs, those inside hyperlinks too, in order."""
    return [run for item in paragraph.iter_inner_content()
            for run in (item.runs if isinstance(item, Hyperlink) else [item])]


def paragraph_markdown(paragraph: Paragraph) -> str:
    """A paragraph's runs as Markdown: neighbouring runs of the same emphasis share one pair of marks.
    Should the runs not hold all of its text (a field, a content control), the plain text is kept instead."""
    runs = _runs(paragraph)
    if "".join(run.text for run in runs) != paragraph.text:
        return paragraph.text
    pieces: list[tuple[str, bool, bool]] = []
    for run in runs:
        style = (bool(run.bold), bool(run.italic))
        if pieces and pieces[-1][1:] == style:
            pieces[-1] = (pieces[-1][0] + run.text, *style)
        elif run.text:
            pieces.append((run.text, *style))
    return "".join(_emphasis(text, bold, italic) for text, bold, italic in pieces)


def _style_name(paragraph: Paragraph) -> str:
    style = paragraph.style
    return (style.name or "") if style is not None else ""


def _line(paragraph: Paragraph) -> tuple[str, bool]:
    """(the paragraph as a Markdown line, whether it is the book's title)."""
    style = _style_name(paragraph)
    if style.lower() == "title":
        return paragraph.text.strip(), True
    heading = _HEADING_STYLE.match(style)
    if heading and paragraph.text.strip():
        return "#" * int(heading.group(1)) + " " + paragraph.text.strip(), False
    return paragraph_markdown(paragraph), False


def _open(path: Path) -> docx.document.Document:
    if path.read_bytes()[:4] == OLE_MAGIC:
        raise UnreadableSource(f"{path.name} is encrypted (password-protected) or an old Word .doc file; save it "
                               "from Word as a .docx without a password and import that.")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableSource(f"{path.name} is not a readable .docx file (corrupt or not Word's format: "
                               f"{type(error).__name__}); open it in Word and save it again.") from None


def _paragraphs(document: docx.document.Document) -> list[Paragraph]:
    """The body's paragraphs in order, those in tables too (cell by cell)."""
    found: list[Paragraph] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            found += [p for row in item.rows for cell in row.cells for p in cell.paragraphs]
        else:
            found.append(item)
    return found


def read_docx(path: Path) -> tuple[str, str]:
    """(the title, the document as Markdown) of a .docx file."""
    document = _open(path)
    title, lines = "", []
    for paragraph in _paragraphs(document):
        line, is_title = _line(paragraph)
        if is_title and not title:
            title = line
        elif not is_title:
            lines.append(line)
    text = "\n\n".join(lines)
    if not text.strip():
        raise UnreadableSource(f"{path.name} has no text to import.")
    return title or (document.core_properties.title or "").strip(), text
