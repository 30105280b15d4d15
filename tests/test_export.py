"""`kimi-writer export`: the installed CLI, with no API key, turns a project into md, html and epub."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.sample_book import CHAPTERS, IN_ORDER, TITLES, run_offline, write_sample_book

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
REPORT = [
    "  1. Chapter 1: The Fog (chapter_1.md): 13 words",
    "  2. Chapter 2: The Docks (chapters/chapter_02.md): 22 words",
    "  3. Chapter 3: The Reveal (ch3.md): 14 words",
    "3 chapters, 49 words.",
]


@pytest.fixture
def book(tmp_path) -> Path:
    return write_sample_book(tmp_path / "projects")


def test_md_is_the_chapters_concatenated_in_outline_order(book, tmp_path):
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'Exported "Fog Over London" to projects/Fog_Over_London/Fog_Over_London.md', *REPORT]
    contents = "".join(f"- {title}\n" for title in TITLES)
    expected = (f"# Fog Over London\n\n*kimi-writer*\n\n## Contents\n\n{contents}\n"
                + "\n".join(CHAPTERS[name] for name in IN_ORDER))
    assert (book / "Fog_Over_London.md").read_text(encoding="utf-8") == expected


def test_html_is_one_page_with_contents_and_chapters_in_outline_order(book, tmp_path):
    result = run_offline(tmp_path, "export", str(book), "--format", "html")

    assert result.returncode == 0, result.stderr
    page = (book / "Fog_Over_London.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Fog Over London</title>" in page
    assert "<style>" in page and "<link" not in page and "<script" not in page and "src=" not in page
    contents = re.findall(r'<li><a href="#(chapter-\d)">([^<]+)</a></li>', page)
    assert contents == [("chapter-1", TITLES[0]), ("chapter-2", TITLES[1]), ("chapter-3", TITLES[2])]
    sections = re.findall(r'<section class="chapter" id="(chapter-\d)">\s*<h1>([^<]+)</h1>', page)
    assert sections == contents
    assert page.index("The fog came up the river") < page.index("did not believe the clerk") \
        < page.index("It was the brother")
    assert "characters.md" not in page and "bad habits" not in page


def _epub_parts(path: Path) -> tuple[zipfile.ZipFile, ET.Element, str]:
    archive = zipfile.ZipFile(path)
    container = ET.fromstring(archive.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", NS).get("full-path")
    return archive, ET.fromstring(archive.read(opf_path)), str(PurePosixPath(opf_path).parent)


def test_epub_is_a_valid_epub3_in_outline_order(book, tmp_path):
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "epub")

    assert result.returncode == 0, result.stderr
    path = book / "Fog_Over_London.epub"
    archive, opf, folder = _epub_parts(path)
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"application/epub+zip"
    container = ET.fromstring(archive.read("META-INF/container.xml")).find(".//c:rootfile", NS)
    assert container.get("media-type") == "application/oebps-package+xml"
    assert container.get("full-path") in archive.namelist()

    assert opf.get("version") == "3.0"
    assert opf.find(".//dc:title", NS).text == "Fog Over London"
    assert opf.find(".//dc:language", NS).text == "en"
    assert opf.find(".//dc:creator", NS).text == "kimi-writer"
    assert opf.find(".//dc:identifier", NS).text.startswith("urn:uuid:")
    items = {item.get("id"): item for item in opf.find("opf:manifest", NS)}
    assert [item.get("href") for item in items.values() if item.get("properties") == "nav"] == ["nav.xhtml"]
    assert any(item.get("media-type") == "application/x-dtbncx+xml" for item in items.values())
    spine = [items[ref.get("idref")].get("href") for ref in opf.find("opf:spine", NS)]
    headings = []
    for href in spine:
        text = archive.read(f"{folder}/{href}").decode("utf-8")
        headings += re.findall(r"<h1>([^<]+)</h1>", text) if href.startswith("chapter_") else []
    assert headings == TITLES
    nav = archive.read(f"{folder}/nav.xhtml").decode("utf-8")
    assert re.findall(r'<a href="[^"]+">([^<]+)</a>', nav) == TITLES

    from ebooklib import ITEM_DOCUMENT, epub

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reread = epub.read_epub(str(path))
    assert reread.get_metadata("DC", "title")[0][0] == "Fog Over London"
    texts = [item.get_content().decode("utf-8") for item in reread.get_items_of_type(ITEM_DOCUMENT)]
    for sentence in ("The fog came up the river at dusk.", "Inspector Hale did not believe the clerk.",
                     "It was the brother, of course; it always was."):
        assert sum(sentence in text for text in texts) == 1


def test_author_and_output_flags(book, tmp_path):
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "epub",
                         "--author", "Ada Hale", "--output", "out/fog.epub")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == 'Exported "Fog Over London" to out/fog.epub'
    _, opf, _ = _epub_parts(tmp_path / "out" / "fog.epub")
    assert opf.find(".//dc:creator", NS).text == "Ada Hale"
    assert not (book / "Fog_Over_London.epub").exists()


def test_output_folder_and_projects_dir_from_the_environment(tmp_path):
    write_sample_book(tmp_path / "shelf")
    (tmp_path / "out").mkdir()
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "html", "-o", "out",
                         KIMI_WRITER_PROJECTS_DIR="shelf")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "Fog_Over_London.html").is_file()


def test_without_an_outline_chapters_go_by_the_number_in_the_file_name(book, tmp_path):
    (book / "outline.md").unlink()
    (book / "chapters" / "chapter_02.md").write_text("No heading here.\n", encoding="utf-8")
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md", "-o", "book.md")

    assert result.returncode == 0, result.stderr
    text = (tmp_path / "book.md").read_text(encoding="utf-8")
    assert text.startswith("# Fog Over London\n\n*kimi-writer*\n\n## Contents\n\n"
                           "- Chapter 1: The Fog\n- Chapter 2\n- Chapter 3: The Reveal\n")
    assert text.endswith(CHAPTERS["chapter_1.md"] + "\n# Chapter 2\n\nNo heading here.\n\n" + CHAPTERS["ch3.md"])


def test_outline_chapters_not_written_yet_are_named(book, tmp_path):
    with (book / "outline.md").open("a", encoding="utf-8") as outline:
        outline.write("4. **The Bridge** — Dawn on Westminster Bridge.\n")
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "In the outline but not written yet: 4. The Bridge"


def test_unknown_project_is_one_sentence(tmp_path):
    result = run_offline(tmp_path, "export", "Nowhere", "--format", "epub")

    assert result.returncode == 2
    assert result.stderr == ("Error: there is no project Nowhere; give a project folder, "
                             "or the name of a project under projects.\n")
    assert result.stdout == ""


def test_a_project_with_no_chapters_says_so(tmp_path):
    root = tmp_path / "projects" / "Empty"
    root.mkdir(parents=True)
    (root / "outline.md").write_text("# Empty\n\n1. **One** — nothing yet.\n", encoding="utf-8")
    result = run_offline(tmp_path, "export", "Empty", "--format", "html")

    assert result.returncode == 2
    assert result.stderr == (f"Error: {root.resolve()} has no chapter files yet (files named like "
                             "chapter_01.md, chapters/chapter_01.md or ch01.md).\n")
    assert list(root.iterdir()) == [root / "outline.md"]


def test_a_file_is_not_a_project_and_a_bad_format_is_refused(book, tmp_path):
    as_file = run_offline(tmp_path, "export", str(book / "outline.md"), "--format", "md")
    assert as_file.returncode == 2
    assert as_file.stderr.startswith("Error: ") and "is a file; give the project folder" in as_file.stderr
    bad_format = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "pdf")
    assert bad_format.returncode == 2 and "Traceback" not in bad_format.stderr
    assert not (book / "Fog_Over_London.pdf").exists()


def test_prologue_first_epilogue_last_and_a_duplicate_number_left_out(book, tmp_path):
    (book / "prologue.md").write_text("# Prologue\n\nBefore.\n", encoding="utf-8")
    (book / "epilogue.md").write_text("# Epilogue\n\nAfter.\n", encoding="utf-8")
    (book / "chapters" / "chapter_01.md").write_text("# An older draft\n", encoding="utf-8")
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[1:6]] == [
        "  1. Prologue", "  2. Chapter 1: The Fog", "  3. Chapter 2: The Docks", "  4. Chapter 3: The Reveal",
        "  5. Epilogue"]
    assert lines[-1] == "Left out (another file has the same chapter number): chapters/chapter_01.md"
    assert "An older draft" not in (book / "Fog_Over_London.md").read_text(encoding="utf-8")
