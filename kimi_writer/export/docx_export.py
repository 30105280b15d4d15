"""`export --format docx`: the book as a Word file in standard manuscript format.

A title page (the author top left, the word count rounded to the nearest hundred top right, the
title centred halfway down with "by Author" under it); then 12 pt Times New Roman, double-spaced,
1-inch margins, first lines indented half an inch and no space between paragraphs; a running
header `Surname / SHORT TITLE / page` on every page but the first; each part on a new page with
its heading a third of the way down; scene breaks as a centred `#`; "END" after the last part.

The Markdown goes through the same converter as the other formats, with raw HTML removed first:
only the text, its italics and its bold reach the document; links become their plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import markdown

from ..book.manuscript import Chapter, Manuscript
from ..book.project import replace_atomically
from ..core.language import amount, is_cjk, primary
from .tame import restore, tame

FONT = "Times New Roman"
EAST_ASIAN_FONTS = {  # by script: (the font, its fallback, the language as Word names it)
    "zh": ("Noto Serif CJK SC", "SimSun", "zh-CN"), "zh-Hant": ("Noto Serif CJK TC", "PMingLiU", "zh-TW"),
    "ja": ("Noto Serif CJK JP", "MS Mincho", "ja-JP"), "ko": ("Noto Serif CJK KR", "Batang", "ko-KR"),
}
SCENE_BREAK = "#"
END = "END"
SHORT_TITLE_WORDS = 3
_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
_SCENE_BREAK_LINE = re.compile(r"^[ \t]*(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|#)[ \t]*$", re.M)
_RAW_HTML = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?(?:-->|$)|</?[A-Za-z][^<>]*>", re.S | re.I)
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "td", "th"}
_ITALIC, _BOLD = {"em", "i"}, {"strong", "b"}


@dataclass
class Block:
    """One paragraph of the document: 'p', 'heading', 'pre' or 'break', and its runs."""

    kind: str
    runs: list[tuple[str, bool, bool]] = field(default_factory=list)  # (text, italic, bold)

    @property
    def text(self) -> str:
        return "".join(text for text, _, _ in self.runs)


class _BlockParser(HTMLParser):
    """Sanitized Markdown HTML -> blocks of runs; every tag but emphasis is dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.open: Block | None = None
        self.italic = self.bold = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "hr":
            self.open = None
            self.blocks.append(Block("break", [(SCENE_BREAK, False, False)]))
        elif tag in _BLOCKS:
            kind = "heading" if tag[0] == "h" and tag[1:].isdigit() else "pre" if tag == "pre" else "p"
            self.open = Block(kind)
            self.blocks.append(self.open)
        elif tag == "br" and self.open is not None:
            self.open.runs.append(("\n", False, False))
        self._emphasis(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.open = None
        self._emphasis(tag, -1)

    def _emphasis(self, tag: str, step: int) -> None:
        if tag in _ITALIC:
            self.italic = max(0, self.italic + step)
        elif tag in _BOLD:
            self.bold = max(0, self.bold + step)

    def handle_data(self, data: str) -> None:
        if self.open is None:
            if not data.strip():
                return
            self.open = Block("p")
            self.blocks.append(self.open)
        text = data if self.open.kind == "pre" else re.sub(r"\s*\n\s*", " ", data)
        self.open.runs.append((text, self.italic > 0, self.bold > 0))


def body_blocks(markdown_text: str) -> list[Block]:
    """A part's Markdown (without its title) as paragraphs of plain text runs with emphasis."""
    text = _SCENE_BREAK_LINE.sub("\n\n* * *\n\n", _RAW_HTML.sub("", markdown_text))
    converter = markdown.Markdown(extensions=["sane_lists", "def_list", "tables"], output_format="xhtml")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    parser = _BlockParser()
    parser.feed(restore(converter.convert(tame(text))))
    parser.close()
    return [block for block in parser.blocks if block.text.strip()]


def about_words(words: int, language: str = "en") -> str:
    """"about 82,400 words" (or "约82,400字"): rounded to the nearest hundred (the exact count under a hundred)."""
    rounded = (words + 50) // 100 * 100 if words >= 100 else words
    if is_cjk(language):
        return f"约{amount(rounded, language)}" if primary(language) == "zh" else f"about {amount(rounded, language)}"
    return f"about {rounded:,} word{'s' if rounded != 1 else ''}"


BYLINES = {"zh": "{author} 著", "ja": "{author} 著", "ko": "{author} 지음"}  # under the title; "by Author" otherwise


def byline(author: str, language: str = "en") -> str:
    """The line under the title: "by Author", or as a Chinese, Japanese or Korean book says it ("Author 著")."""
    return BYLINES.get(primary(language), "by {author}").format(author=author) if author else ""


def east_asian_font(language: str) -> tuple[str, str, str] | None:
    """(font, fallback, Word's language name) for a Chinese, Japanese or Korean book; None for others."""
    if not is_cjk(language):
        return None
    traditional = "Hant" in language.split("-") or language in ("zh-TW", "zh-HK", "zh-MO")
    return EAST_ASIAN_FONTS["zh-Hant" if primary(language) == "zh" and traditional else primary(language)]


def surname(author: str) -> str:
    return author.split()[-1] if author.split() else author


def short_title(title: str) -> str:
    """The title for the running header: upper case, without a subtitle, at most three words."""
    words = re.split(r"\s*[:—–]\s*", title.strip(), maxsplit=1)[0].split()[:SHORT_TITLE_WORDS]
    while len(words) > 1 and words[-1].lower() in _SMALL_WORDS:
        words.pop()  # "Signals From the Quiet Earth" -> SIGNALS, not SIGNALS FROM THE
    return " ".join(words).upper()


def part_body(chapter: Chapter) -> str:
    """A part's Markdown without its first line, the heading its title comes from."""
    return chapter.text.split("\n", 1)[1] if "\n" in chapter.text else ""


def write_docx(book: Manuscript, author: str, path: Path) -> None:
    """Write `book` to `path` as a .docx manuscript."""
    from docx import Document  # imported here: only this export needs python-docx and lxml

    from .docx_layout import add_end, add_part, add_title_page, set_page_and_styles, set_running_header

    document = Document()
    set_page_and_styles(document, FONT, east_asian_font(book.language))
    surname_part = f"{surname(author)} / " if author.strip() else ""
    set_running_header(document.sections[0], f"{surname_part}{short_title(book.title)} / ")
    add_title_page(document, book.title, author, about_words(book.words, book.language), byline(author, book.language))
    for chapter in book.chapters:
        add_part(document, chapter.title, body_blocks(part_body(chapter)))
    add_end(document, END)
    replace_atomically(path, document.save)
