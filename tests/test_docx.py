"""`export --format docx`: a Word file in standard manuscript format, read back with python-docx."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Inches, Pt

from kimi_writer.export.docx_export import about_words, short_title
from tests.sample_book import run_offline

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FILLER = "The static rose and fell like breathing in the dark. "  # 10 words
STORIES = {
    "story_01_the_signal.md": "# The Signal\n\nMara heard it at *midnight*, a **voice** in the static.\n\n***\n\n"
                              + FILLER * 60 + "\n",
    "stories/02_quiet_earth.md": "# Quiet Earth\n\nNobody spoke. <script>alert(1)</script><b>Still</b> "
                                 "nobody, [said](https://example.com) the log.\n\n* * *\n\nA year passed.\n#\n"
                                 "Then another.\n\n---\n\nThe end of it.\n",
}


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "projects" / "Signals"
    (root / "stories").mkdir(parents=True)
    (root / "outline.md").write_text("# Signals From the Quiet Earth\n\n## Story 1 — The Signal\nA voice.\n\n"
                                     "## Story 2 — Quiet Earth\nSilence.\n")
    for name, text in STORIES.items():
        (root / name).write_text(text)
    return root


def _export(tmp_path, *extra: str) -> subprocess.CompletedProcess:
    result = run_offline(tmp_path, "export", "Signals", "--format", "docx", "--author", "Ada King Lovelace", *extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2 stories, 638 words."
    return result


def _document(tmp_path) -> docx.document.Document:
    _export(tmp_path)
    return docx.Document(str(tmp_path / "projects/Signals/Signals.docx"))


def test_word_count_is_rounded_to_the_nearest_hundred():
    assert about_words(82_449) == "about 82,400 words" and about_words(82_450) == "about 82,500 words"
    assert about_words(637) == "about 600 words" and about_words(42) == "about 42 words"
    assert short_title("Signals From the Quiet Earth") == "SIGNALS"
    assert short_title("The Lamplighter's Debt: A Mystery") == "THE LAMPLIGHTER'S DEBT"


def test_title_page_has_the_author_the_word_count_and_the_title_halfway_down(project, tmp_path):
    paragraphs = _document(tmp_path).paragraphs
    assert paragraphs[0].text == "Ada King Lovelace\tabout 600 words"
    assert paragraphs[0].alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    title, by = paragraphs[1], paragraphs[2]
    assert (title.text, by.text) == ("Signals From the Quiet Earth", "by Ada King Lovelace")
    assert title.alignment == by.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.paragraph_format.space_before >= Inches(3)


def test_body_is_12_pt_times_double_spaced_indented_with_one_inch_margins(project, tmp_path):
    document = _document(tmp_path)
    section = document.sections[0]
    assert {section.top_margin, section.bottom_margin, section.left_margin, section.right_margin} == {Inches(1)}
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(12)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.DOUBLE
    spacing = normal.element.find(f"{W}pPr/{W}spacing")
    assert spacing.get(f"{W}line") == "480" and spacing.get(f"{W}after") == "0" and spacing.get(f"{W}before") == "0"
    assert normal.paragraph_format.first_line_indent == Inches(0.5)
    body = next(p for p in document.paragraphs if p.text.startswith("Mara heard it"))
    assert body.style.name == "Normal" and body.paragraph_format.first_line_indent is None  # the style's


def test_running_header_with_a_page_field_on_every_page_but_the_first(project, tmp_path):
    section = _document(tmp_path).sections[0]
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.text.startswith("Lovelace / SIGNALS / ")
    xml = header._p.xml
    assert '<w:fldChar w:fldCharType="begin"/>' in xml and "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>" in xml
    assert '<w:fldChar w:fldCharType="end"/>' in xml
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()


def test_each_story_starts_a_new_page_and_the_text_ends_with_end(project, tmp_path):
    paragraphs = _document(tmp_path).paragraphs
    starts = [p for p in paragraphs if p.paragraph_format.page_break_before]
    assert [p.text for p in starts] == ["The Signal", "Quiet Earth"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER and p.paragraph_format.space_before >= Inches(2)
               for p in starts)
    assert paragraphs[-1].text == "END" and paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_scene_breaks_become_a_centred_hash(project, tmp_path):
    texts = [p.text for p in _document(tmp_path).paragraphs]
    story_two = texts[texts.index("Quiet Earth") + 1:texts.index("END")]
    assert story_two == ["Nobody spoke. Still nobody, said the log.", "#", "A year passed.", "#", "Then another.",
                         "#", "The end of it."]
    breaks = [p for p in _document(tmp_path).paragraphs if p.text == "#"]
    assert len(breaks) == 4 and all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in breaks)


def test_italics_and_bold_carry_over_and_no_html_or_link_survives(project, tmp_path):
    document = _document(tmp_path)
    body = next(p for p in document.paragraphs if p.text.startswith("Mara heard it"))
    assert [(r.text, bool(r.italic), bool(r.bold)) for r in body.runs] == [
        ("Mara heard it at ", False, False), ("midnight", True, False), (", a ", False, False),
        ("voice", False, True), (" in the static.", False, False)]
    xml = document.element.xml
    assert "script" not in xml and "alert" not in xml and "example.com" not in xml and "hyperlink" not in xml
    assert not document.part.rels or all("hyperlink" not in rel.reltype for rel in document.part.rels.values())


def test_output_option_and_default_path(project, tmp_path):
    _export(tmp_path, "--output", str(tmp_path / "out.docx"))
    assert docx.Document(str(tmp_path / "out.docx")).paragraphs[1].text == "Signals From the Quiet Earth"
    assert not (project / "Signals.docx").exists()
    _export(tmp_path)
    assert (project / "Signals.docx").is_file()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_it_to_a_pdf_with_a_page_per_story(project, tmp_path):
    _export(tmp_path)
    out = tmp_path / "pdf"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(out), str(project / "Signals.docx")], check=True, capture_output=True,
                   timeout=300)
    pdf = (out / "Signals.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out / "Signals.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        pages = text.split("\f")
        assert "Signals From the Quiet Earth" in pages[0] and "Lovelace /" not in pages[0]
        assert "The Signal" in pages[1] and "Lovelace / SIGNALS / 2" in pages[1]
        assert any("Quiet Earth" in page and "END" in page for page in pages[2:])
