"""EPUB in (ebooklib): the spine's documents in order, each one part, their HTML as Markdown."""

from __future__ import annotations

import re
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import ebooklib
from ebooklib import epub

from .parts import UnreadableSource

BLOCKS = {"p", "div", "section", "article", "blockquote", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
MARKS = {"em": "*", "i": "*", "cite": "*", "strong": "**", "b": "**"}
SKIPPED = {"head", "script", "style", "title"}
FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")


class _Markdown(HTMLParser):
    """HTML to Markdown for prose: paragraphs, headings, emphasis, line and scene breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current = ""
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self._close_block()
            self.current = "#" * int(tag[1]) + " " if tag[0] == "h" and tag[1:].isdigit() else ""
        elif tag in MARKS:
            self.current += MARKS[tag]
        elif tag == "br":
            self.current += "\n"
        elif tag == "hr":
            self._close_block()
            self.blocks.append("* * *")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in MARKS:
            self.current += MARKS[tag]
        elif tag in BLOCKS:
            self._close_block()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current += _spaced(data)

    def _close_block(self) -> None:
        text = "\n".join(" ".join(line.split()) for line in self.current.split("\n")).strip()
        if text.strip("#* "):
            self.blocks.append(text)
        self.current = ""

    def markdown(self) -> str:
        self._close_block()
        return "\n\n".join(self.blocks)


def _spaced(data: str) -> str:
    """Text with its runs of white space made one space, a space kept at each edge that had one."""
    inner = " ".join(data.split())
    if not inner:
        return " " if data else ""
    return (" " if data[:1].isspace() else "") + inner + (" " if data[-1:].isspace() else "")


def html_to_markdown(html: str) -> str:
    parser = _Markdown()
    parser.feed(html)
    parser.close()
    return parser.markdown()


def _encrypts_text(archive: zipfile.ZipFile) -> bool:
    """Whether the book's text is encrypted (DRM); obfuscated fonts alone do not count."""
    if "META-INF/encryption.xml" not in archive.namelist():
        return False
    listing = archive.read("META-INF/encryption.xml").decode("utf-8", errors="replace")
    targets = re.findall(r"<(?:\w+:)?CipherReference[^>]*URI=[\"']([^\"']+)", listing)
    return not targets or any(not target.lower().endswith(FONT_SUFFIXES) for target in targets)


def _open(path: Path) -> epub.EpubBook:
    try:
        with zipfile.ZipFile(path) as archive:
            encrypted = _encrypts_text(archive)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableSource(f"{path.name} is not a readable .epub file (corrupt, or not an EPUB).") from None
    if encrypted:
        raise UnreadableSource(f"{path.name} is encrypted (DRM), so its text cannot be read; import the "
                               "manuscript it was made from instead.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as error:  # ebooklib raises many kinds on a broken book; none must escape as a traceback
        raise UnreadableSource(f"{path.name} is not a readable .epub file ({type(error).__name__}); export it "
                               "again from the program that made it.") from None


def _title(book: epub.EpubBook) -> str:
    found = book.get_metadata("DC", "title")
    return str(found[0][0]).strip() if found else ""


def read_epub(path: Path) -> tuple[str, list[str]]:
    """(the title, the Markdown of each spine document with text, in spine order)."""
    book = _open(path)
    title, documents = _title(book), []
    for idref, _ in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        text = html_to_markdown(item.get_content().decode("utf-8", errors="replace"))
        if text.strip() and text.lstrip("# ").strip() != title:
            documents.append(text)
    if not documents:
        raise UnreadableSource(f"{path.name} has no text to import.")
    return title, documents
