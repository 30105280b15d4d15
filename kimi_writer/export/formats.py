"""Turn a manuscript into a book file: one Markdown manuscript, one HTML page, an EPUB 3, or a
Word manuscript (docx_export)."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from enum import Enum
from functools import lru_cache, partial
from html import unescape
from pathlib import Path

import markdown
import nh3
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ..book.manuscript import Manuscript
from ..book.project import atomic_write_text, replace_atomically
from ..core.language import primary
from .tame import restore, tame

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_AUTHOR = ""  # no byline unless --author names one
CONTENTS = {"zh": "目录", "ja": "目次", "ko": "목차"}  # the contents' heading in HTML and EPUB; else "Contents"


class Format(str, Enum):
    html = "html"
    epub = "epub"
    md = "md"
    docx = "docx"


# Python-Markdown's "extra" without attr_list (it lets `{: onclick=... }` set any attribute) and
# md_in_html (raw HTML is shown as text anyway).
MARKDOWN_EXTENSIONS = ["abbr", "def_list", "fenced_code", "footnotes", "tables", "sane_lists"]
ALLOWED_TAGS = {"a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
                "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sup", "table", "tbody", "td",
                "th", "thead", "tr", "ul"}  # what Markdown makes; no <img>: a shared book carries no files
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "abbr": {"title"}, "code": {"class"},
                      "div": {"class"}, "li": {"id"}, "ol": {"start"}, "sup": {"id"},
                      "td": {"style"}, "th": {"style"}}  # style: text-align only
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
_ID = re.compile(r'\bid="([^"]+)"')
_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")  # nh3 has kept only the allowed ones
# Characters XML 1.0 forbids: C0 controls but tab and line ends, U+FFFE, U+FFFF, lone surrogates.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def chapter_html(book: Manuscript) -> list[str]:
    """Each chapter's Markdown as sanitized HTML: raw HTML in the text is shown as text, and only
    allow-listed tags, attributes and URL schemes remain, so nothing in it can run."""
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="xhtml",
                                  extension_configs={"footnotes": {"UNIQUE_IDS": True}})
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return [sanitize(restore(converter.reset().convert(tame(chapter.text)))) for chapter in book.chapters]


def sanitize(html: str) -> str:
    """`html` with only the allowed tags, attributes and URL schemes, links that lead somewhere,
    and no character XML forbids."""
    ids = {unescape(found) for found in _ID.findall(html)}
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES,
                        attribute_filter=partial(_link_that_leads_somewhere, ids), link_rel=None,
                        filter_style_properties={"text-align"}, strip_comments=True)
    return xml_safe(cleaned)


def _link_that_leads_somewhere(ids: set[str], tag: str, attribute: str, value: str) -> str | None:
    """Keep a web or mail link, or a #fragment naming an id in the same chapter; drop a link to a
    file, which the export does not carry."""
    if attribute != "href":
        return value
    if value.startswith("#"):
        return value if value[1:] in ids else None
    return value if _SCHEME.match(value) else None


def xml_safe(text: str) -> str:
    """`text` without the characters that no XML document may hold."""
    return _NOT_XML.sub("", text)


def _css() -> str:
    return (DATA_DIR / "book.css").read_text(encoding="utf-8")


def to_markdown(book: Manuscript, author: str) -> str:
    """The title, the author, the contents, then every part's text (chapters or stories), in order."""
    contents = "\n".join(f"- {chapter.title}" for chapter in book.chapters)
    byline = f"*{author}*\n\n" if author else ""
    head = f"# {book.title}\n\n{byline}## Contents\n\n{contents}\n"
    return "\n".join([head, *(chapter.text for chapter in book.chapters)])


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(DATA_DIR), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True)


def to_html(book: Manuscript, author: str) -> str:
    """One self-contained page: title, contents with links, chapters, inline CSS."""
    chapters = [{"id": f"chapter-{index}", "title": chapter.title, "html": Markup(html)}
                for index, (chapter, html) in enumerate(zip(book.chapters, chapter_html(book)), start=1)]
    return _templates().get_template("book.html.j2").render(
        title=book.title, author=author, language=book.language, contents=contents_heading(book.language), css=Markup(_css()), chapters=chapters)


def contents_heading(language: str) -> str:
    return CONTENTS.get(primary(language), "Contents")


def write_epub(book: Manuscript, author: str, path: Path) -> None:
    """An EPUB 3 with a title page, nav.xhtml and toc.ncx, the chapters in reading order."""
    from ebooklib import epub  # imported here: it loads lxml, which only export needs

    result = epub.EpubBook()
    result.set_identifier(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'kimi-writer:{book.title}:{author}')}")
    result.set_title(book.title)
    result.set_language(book.language)
    if author:
        result.add_author(author)
    css = epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css", content=_css())
    result.add_item(css)
    title_page = _page(epub, "Title page", "title.xhtml", css, book.language,
                       f'<div class="title-page"><h1>{_escape(book.title)}</h1>'
                       + (f'<p class="author">{_escape(author)}</p>' if author else "") + '</div>')
    chapters = [_page(epub, chapter.title, f"chapter_{index:03d}.xhtml", css, book.language, html)
                for index, (chapter, html) in enumerate(zip(book.chapters, chapter_html(book)), start=1)]
    for page in (title_page, *chapters):
        result.add_item(page)
    result.toc = chapters
    result.add_item(epub.EpubNcx())
    result.add_item(epub.EpubNav(title=contents_heading(book.language)))
    result.spine = [title_page, "nav", *chapters]
    replace_atomically(path, lambda handle: epub.write_epub(handle, result, {"raise_exceptions": True}))


def _page(epub, title: str, file_name: str, css, language: str, body: str):
    page = epub.EpubHtml(title=title, file_name=file_name, lang=language)
    page.content = body
    page.add_item(css)
    return page


def _escape(text: str) -> str:
    return str(Markup.escape(text))


def _xml_safe_book(book: Manuscript) -> Manuscript:
    """`book` with no character XML forbids in its title, chapter titles or chapter texts."""
    chapters = [replace(chapter, title=xml_safe(chapter.title), text=xml_safe(chapter.text))
                for chapter in book.chapters]
    return replace(book, title=xml_safe(book.title), chapters=chapters)


def default_output(project_root: Path, fmt: Format) -> Path:
    """`<project>/<project_name>.<ext>`."""
    return project_root / f"{project_root.name}.{fmt.value}"


def export(book: Manuscript, fmt: Format, path: Path, author: str = DEFAULT_AUTHOR) -> Path:
    """Write `book` to `path` in `fmt`; returns the path written."""
    if fmt is not Format.md:
        book, author = _xml_safe_book(book), xml_safe(author)
    if fmt is Format.epub:
        write_epub(book, author, path)
    elif fmt is Format.docx:
        from .docx_export import write_docx  # imported here: python-docx loads lxml

        write_docx(book, author, path)
    else:
        text = to_html(book, author) if fmt is Format.html else to_markdown(book, author)
        atomic_write_text(path, text)
    return path
