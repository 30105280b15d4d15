"""`kimi-writer export`: the installed CLI, with no API key, turns a project into md, html and epub."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
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
    expected = (f"# Fog Over London\n\n## Contents\n\n{contents}\n"
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
    assert opf.find(".//dc:creator", NS) is None  # no byline unless --author names one (issue 29)
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
    (tmp_path / "out").mkdir()
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
    assert text.startswith("# Fog Over London\n\n## Contents\n\n"
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


# Chapter texts a co-author, a careless paste or a confused model could leave in a project.
HOSTILE_CHAPTERS = {
    "chapter_01.md": (
        "# Chapter 1: Links\n\n"
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](  javascript:alert(3)) [d][ref] [e][REF2]\n"
        "[f](jav&#x61;script:alert(4)) [g](java&#9;script:alert(5)) [h](&#106;avascript:alert(6))\n"
        "[i](vbscript:msgbox(7)) [j](VBScript:msgbox(8)) [k](data:text/html;base64,PHNjcmlwdD4=)\n"
        "[l](DATA:text/html,<b>) <javascript:alert(9)> [m](notes.md) [n](#nowhere)\n"
        "![p](javascript:alert(10)) ![q](data:image/png;base64,AAAA) ![r][img] ![s](http://example.com/x.png)\n\n"
        "[ref]: javascript:alert(11)\n[ref2]: Data:text/html,x\n[img]: vbscript:x\n"),
    "chapter_02.md": (
        "# Chapter 2: Attributes {: onclick=\"alert(1)\" }\n\n"
        "A paragraph.\n{: onclick=\"alert(2)\" style=\"background:url(javascript:alert(3))\" }\n\n"
        "## A heading {: onmouseover=alert(4) #x .y }\n\n"
        "```{ .python onclick=\"alert(5)\" data-x=\"javascript:alert(6)\" }\nprint('<script>')\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n{: onload=\"alert(7)\" }\n"),
    "chapter_03.md": (
        "# Chapter 3: Raw HTML\n\n<script>alert(1)</script>\n\n<SCRIPT SRC=//evil.example/x.js></SCRIPT>\n\n"
        "<div onclick=\"alert(2)\">\nblock\n</div>\n\n<img src=x onerror=alert(3)> <svg onload=alert(4)> "
        "<iframe src=\"javascript:alert(5)\"></iframe> <a href=\"javascript:alert(6)\">raw</a>\n\n"
        "<style>body{background:url(javascript:alert(7))}</style> "
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(8)\"> <base href=\"javascript:\">\n\n"
        "<math><mi xlink:href=\"javascript:alert(9)\">x</mi></math> <form action=javascript:alert(10)>\n"),
    "chapter_04.md": (
        "# Chapter 4: Odd <b>text</b> & \x0b \"quotes\" ]]> \U0001F47B\n\n"
        "a < b && c > d; 1 &lt; 2; &nbsp; &copy; &bogus; &#0; &#x0b; &#xD800; &#xFFFE; &#1114112;\n\n"
        "controls:\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\ufffe\uffff. emoji \U0001F47B\u200d\U0001F525 \u202e rtl\n\n"
        "<![CDATA[ x ]]> ]]> <!-- a comment --> <?php echo 1; ?> <!DOCTYPE html>\n\n"
        "unmatched <div> <p> </p></span></div> <em> *open **bold _x <\n"),
    "chapter_05.md": "",
    "chapter_06.md": "No heading, only \x0b and <b>a tag</b> and a [link](javascript:x).\n",
}
HOSTILE_OUTLINE = "# A <b>Hostile</b> & \x01 Book\n\n" + "".join(
    f"{number}. Part {number}\n" for number in range(1, len(HOSTILE_CHAPTERS) + 1))
DENIED_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "img", "form", "input",
               "button", "base", "audio", "video", "source", "link", "meta", "style"}
DANGEROUS_URL = re.compile(r"(javascript|vbscript|data):", re.IGNORECASE)
SPACES_AND_CONTROLS = re.compile(r"[\x00-\x20\x7f]+")


def write_hostile_book(projects: Path) -> Path:
    root = projects / "Hostile"
    root.mkdir(parents=True)
    (root / "outline.md").write_text(HOSTILE_OUTLINE, encoding="utf-8")
    for name, text in HOSTILE_CHAPTERS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


class _StartTags(HTMLParser):
    """Every start tag of a page with its attributes, names lower-cased, entities decoded."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    handle_startendtag = handle_starttag


def assert_harmless(tags: list[tuple[str, list[tuple[str, str]]]]) -> None:
    """No tag that can run or load anything, no event handler, no script or data URL, no style but alignment."""
    for tag, attributes in tags:
        assert tag not in DENIED_TAGS, tag
        for name, value in attributes:
            assert not name.lower().startswith("on"), (tag, name, value)
            assert not DANGEROUS_URL.search(SPACES_AND_CONTROLS.sub("", value)), (tag, name, value)
            assert name.lower() not in {"src", "srcset", "action", "formaction", "xlink:href", "http-equiv"}
            assert name.lower() != "style" or re.fullmatch(r"text-align:\s*(left|right|center)", value)


def assert_no_markup_that_runs(page: str) -> None:
    """The raw page, searched case-insensitively: nothing that runs is inside a tag."""
    assert not re.search(r"<\s*/?\s*script", page, re.IGNORECASE)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page, re.IGNORECASE)
    assert not re.search(r"<[^>]*(javascript|vbscript|data)\s*:", page, re.IGNORECASE)
    assert not re.search(r"<[^>]*&#", page)  # no entity-encoded attribute value


def test_html_of_a_hostile_book_carries_no_script(tmp_path):
    root = write_hostile_book(tmp_path / "projects")
    result = run_offline(tmp_path, "export", "Hostile", "--format", "html")

    assert result.returncode == 0, result.stderr
    page = (root / "Hostile.html").read_text(encoding="utf-8")
    assert_no_markup_that_runs(page)
    head, body = page.split("</head>")
    assert_harmless(_StartTags(body).tags)
    assert [tag for tag, _ in _StartTags(head).tags] == ["html", "head", "meta", "meta", "meta", "title",
                                                         "style"]  # no author meta without --author
    assert "<title>A &lt;b&gt;Hostile&lt;/b&gt; &amp;  Book</title>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown to the reader as text
    assert "<p><a>a</a> <a>b</a> <a>c</a> <a>d</a> <a>e</a>" in page  # the link text stays
    assert "<a>m</a> <a>n</a>" in page
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", page)
    assert "\U0001F47B\u200d\U0001F525" in page


def _xml_documents(path: Path) -> dict[str, ET.Element]:
    archive = zipfile.ZipFile(path)
    return {name: ET.fromstring(archive.read(name)) for name in archive.namelist()
            if name.endswith((".xhtml", ".opf", ".ncx", ".xml"))}


def _xhtml_tags(root: ET.Element) -> list[tuple[str, list[tuple[str, str]]]]:
    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1]

    return [(local(element.tag), [(local(name), value) for name, value in element.attrib.items()])
            for element in root.iter()]


def test_every_epub_page_of_a_hostile_book_is_xml_and_carries_no_script(tmp_path):
    root = write_hostile_book(tmp_path / "projects")
    result = run_offline(tmp_path, "export", "Hostile", "--format", "epub")

    assert result.returncode == 0, result.stderr
    documents = _xml_documents(root / "Hostile.epub")  # each one parses as XML
    pages = {name: tree for name, tree in documents.items() if name.endswith(".xhtml")}
    assert sorted(pages) == ["EPUB/chapter_001.xhtml", "EPUB/chapter_002.xhtml", "EPUB/chapter_003.xhtml",
                             "EPUB/chapter_004.xhtml", "EPUB/chapter_005.xhtml", "EPUB/chapter_006.xhtml",
                             "EPUB/nav.xhtml", "EPUB/title.xhtml"]
    archive = zipfile.ZipFile(root / "Hostile.epub")
    for name, tree in pages.items():
        assert_harmless(_xhtml_tags(tree.find("{http://www.w3.org/1999/xhtml}body")))
        assert_no_markup_that_runs(archive.read(name).decode("utf-8").split("</head>")[1])
    chapter_4 = "".join(pages["EPUB/chapter_004.xhtml"].itertext())
    assert 'Chapter 4: Odd <b>text</b> &  "quotes" ]]> \U0001F47B' in chapter_4
    assert "a < b && c > d; 1 < 2; \xa0 \xa9 &bogus;" in chapter_4
    assert "<![CDATA[ x ]]> ]]> <!-- a comment -->" in chapter_4
    nav = "".join(pages["EPUB/nav.xhtml"].itertext())
    assert 'Chapter 4: Odd <b>text</b> &  "quotes" ]]> \U0001F47B' in nav


FEATURES = (
    "# Chapter 1: Features\n\nSome *emphasis*, **strong** and `code`, a [link](https://example.com/a?b=1&c=2 \"T\"), "
    "a [mail](mailto:hale@example.com) and a note.[^1]\n\n## A scene\n\n> A quotation.\n\n"
    "- one\n- two\n\n1. first\n2. second\n\n---\n\n    indented code\n\n"
    "| Left | Right |\n|:-----|------:|\n| a | b |\n\n[^1]: The note.\n"
)
FEATURE_FRAGMENTS = [
    "<h1>Chapter 1: Features</h1>", "<em>emphasis</em>", "<strong>strong</strong>", "<code>code</code>",
    '<a href="https://example.com/a?b=1&amp;c=2" title="T">link</a>', '<a href="mailto:hale@example.com">mail</a>',
    "<h2>A scene</h2>", "<blockquote>\n<p>A quotation.</p>\n</blockquote>", "<li>one</li>", "<li>first</li>",
    "<pre><code>indented code\n</code></pre>", '<th style="text-align:left">Left</th>',
    '<td style="text-align:right">b</td>',
]


def test_markdown_features_survive_the_sanitizer(tmp_path):
    root = tmp_path / "projects" / "Features"
    root.mkdir(parents=True)
    (root / "chapter_01.md").write_text(FEATURES, encoding="utf-8")
    assert run_offline(tmp_path, "export", "Features", "--format", "html").returncode == 0
    assert run_offline(tmp_path, "export", "Features", "--format", "epub").returncode == 0

    page = (root / "Features.html").read_text(encoding="utf-8")
    chapter = zipfile.ZipFile(root / "Features.epub").read("EPUB/chapter_001.xhtml").decode("utf-8")
    for fragment in FEATURE_FRAGMENTS:
        assert fragment in page and fragment in chapter, fragment
    note = re.search(r'<sup id="(fnref:[\w-]+)"><a class="footnote-ref" href="#(fn:[\w-]+)">1</a></sup>', page)
    assert note and f'<li id="{note[2]}">' in page and f'href="#{note[1]}"' in page
    assert "<hr>" in page and "<hr/>" in chapter and "&nbsp;" not in chapter


def _epubcheck() -> list[str] | None:
    """The command that runs Debian's epubcheck here, or None. Debian's /usr/bin/epubcheck is the jar
    itself, run through binfmt_misc, which containers often lack: run it with java instead."""
    found = shutil.which("epubcheck")
    if found is None:
        return None
    if Path(found).resolve().suffix == ".jar":
        java = shutil.which("java")
        return [java, "-jar", str(Path(found).resolve())] if java else None
    return [found]


@pytest.mark.skipif(_epubcheck() is None, reason="Debian's epubcheck (and a Java runtime) is not installed: "
                                                  "apt-get install epubcheck")
def test_epubcheck_finds_no_error_in_a_hostile_book_with_every_feature(tmp_path):
    root = write_hostile_book(tmp_path / "projects")
    (root / "chapter_07.md").write_text(FEATURES.replace("Chapter 1", "Chapter 7"), encoding="utf-8")
    result = run_offline(tmp_path, "export", "Hostile", "--format", "epub", "--author", "Ada & <Hale>")
    assert result.returncode == 0, result.stderr

    check = subprocess.run([*_epubcheck(), str(root / "Hostile.epub")], capture_output=True, text=True,
                           timeout=600, stdin=subprocess.DEVNULL)

    report = check.stdout + check.stderr
    assert check.returncode == 0, report
    assert "Messages: 0 fatals / 0 errors" in report, report
