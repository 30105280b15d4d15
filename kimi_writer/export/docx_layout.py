"""The python-docx side of the manuscript: page, styles, header, title page, parts (see docx_export)."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

MARGIN = Inches(1)
INDENT = Inches(0.5)
TEXT_WIDTH = Inches(6.5)  # a Letter page less two margins
TITLE_DROP = Inches(3.6)  # from the author line to the title: about halfway down the page
PART_DROP = Inches(2.5)  # from the top margin to a part's heading: a third of the way down
LINE = Pt(24)  # one double-spaced line of 12 pt
TWO_CHARACTERS = Pt(24)  # a Chinese first-line indent: two characters of 12 pt


def set_page_and_styles(document, font: str, east_asian: tuple[str, str, str] | None = None) -> None:
    """1-inch margins; Normal is 12 pt `font`, double-spaced, first line indented, no space between.
    `east_asian` (font, fallback font, language as Word names it): that font for CJK text, the language
    declared, and a first-line indent of two characters."""
    section = document.sections[0]
    section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = MARGIN
    section.header_distance = Inches(0.5)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = font, Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    paragraph = normal.paragraph_format
    paragraph.line_spacing_rule = WD_LINE_SPACING.DOUBLE
    paragraph.space_before = paragraph.space_after = Pt(0)
    paragraph.first_line_indent = INDENT
    paragraph.widow_control = True
    if east_asian is not None:
        _set_east_asian(document, *east_asian)


def _set_east_asian(document, font: str, fallback: str, language: str) -> None:
    """The East Asian font (its fallback named in the font table) and language of Normal; a
    two-character first-line indent (24 pt at 12 pt)."""
    normal = document.styles["Normal"]
    properties = normal.element.get_or_add_rPr()
    properties.get_or_add_rFonts().set(qn("w:eastAsia"), font)
    declared = OxmlElement("w:lang")
    declared.set(qn("w:val"), "en-US")
    declared.set(qn("w:eastAsia"), language)
    properties.append(declared)
    normal.paragraph_format.first_line_indent = TWO_CHARACTERS
    _name_fallback(document, font, fallback)


def _name_fallback(document, font: str, fallback: str) -> None:
    """A font-table entry for `font` whose alternative name is `fallback`, for a machine without it."""
    from lxml import etree  # python-docx's own XML library

    part = next((rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    fonts = etree.fromstring(part.blob)
    entry = etree.SubElement(fonts, qn("w:font"), {qn("w:name"): font})
    etree.SubElement(entry, qn("w:altName"), {qn("w:val"): fallback})
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def _plain(paragraph, alignment=WD_ALIGN_PARAGRAPH.LEFT, single: bool = False):
    """`paragraph` with no first-line indent, aligned; single-spaced if asked."""
    paragraph.alignment = alignment
    paragraph.paragraph_format.first_line_indent = Inches(0)
    if single:
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return paragraph


def set_running_header(section, text: str) -> None:
    """`text` then a PAGE field, right-aligned, on every page but the first."""
    section.different_first_page_header_footer = True
    paragraph = _plain(section.header.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, single=True)
    paragraph.add_run(text)
    _add_field(paragraph, "PAGE", "2")


def _add_field(paragraph, instruction: str, shown: str) -> None:
    """A Word field: begin, the instruction, separate, the value shown until it updates, end."""
    parts = (("fldChar", "begin"), ("instrText", f" {instruction} "), ("fldChar", "separate"),
             ("t", shown), ("fldChar", "end"))
    for tag, value in parts:
        element = OxmlElement(f"w:{tag}")
        if tag == "fldChar":
            element.set(qn("w:fldCharType"), value)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = value
        paragraph.add_run()._r.append(element)


def add_title_page(document, title: str, author: str, words: str, byline: str) -> None:
    """The author top left and the word count top right, then the title and the byline ("by Author") centred."""
    top = _plain(document.add_paragraph(), single=True)
    top.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    top.add_run(f"{author}\t{words}")
    heading = _plain(document.add_paragraph(title), WD_ALIGN_PARAGRAPH.CENTER)
    heading.paragraph_format.space_before = TITLE_DROP
    heading.paragraph_format.keep_with_next = True
    if byline:
        _plain(document.add_paragraph(byline), WD_ALIGN_PARAGRAPH.CENTER)


def add_part(document, title: str, blocks) -> None:
    """A part on a new page: its title a third of the way down, a blank line, then its text."""
    heading = _plain(document.add_paragraph(title), WD_ALIGN_PARAGRAPH.CENTER)
    heading.paragraph_format.page_break_before = True
    heading.paragraph_format.space_before = PART_DROP
    heading.paragraph_format.space_after = LINE
    heading.paragraph_format.keep_with_next = True
    for block in blocks:
        _add_block(document, block)


def _add_block(document, block) -> None:
    paragraph = document.add_paragraph()
    if block.kind in ("break", "heading"):
        _plain(paragraph, WD_ALIGN_PARAGRAPH.CENTER)
    elif block.kind == "pre":
        _plain(paragraph)
    for text, italic, bold in block.runs:
        run = paragraph.add_run(text.rstrip("\n") if block.kind == "pre" else text)
        run.italic, run.bold = italic or None, bold or None


def add_end(document, mark: str) -> None:
    """`mark` centred, a blank line after the last part."""
    end = _plain(document.add_paragraph(mark), WD_ALIGN_PARAGRAPH.CENTER)
    end.paragraph_format.space_before = LINE

