"""Turn a manuscript into a book file: one Markdown manuscript, one HTML page, or an EPUB 3."""

from __future__ import annotations

import os
import tempfile
import uuid
from enum import Enum
from functools import lru_cache
from pathlib import Path

import markdown
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from .manuscript import Manuscript
from .project import atomic_write_text

DATA_DIR = Path(__file__).resolve().parent / "data"
LANGUAGE = "en"
DEFAULT_AUTHOR = "kimi-writer"


class Format(str, Enum):
    html = "html"
    epub = "epub"
    md = "md"


def chapter_html(book: Manuscript) -> list[str]:
    """Each chapter's Markdown as XHTML; raw HTML in the text is shown as text, so it stays valid."""
    converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="xhtml",
                                  extension_configs={"extra": {"footnotes": {"UNIQUE_IDS": True}}})
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return [converter.reset().convert(chapter.text) for chapter in book.chapters]


def _css() -> str:
    return (DATA_DIR / "book.css").read_text(encoding="utf-8")


def to_markdown(book: Manuscript, author: str) -> str:
    """The title, the author, the contents, then every chapter's text, in order."""
    contents = "\n".join(f"- {chapter.title}" for chapter in book.chapters)
    head = f"# {book.title}\n\n*{author}*\n\n## Contents\n\n{contents}\n"
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
        title=book.title, author=author, language=LANGUAGE, css=Markup(_css()), chapters=chapters)


def write_epub(book: Manuscript, author: str, path: Path) -> None:
    """An EPUB 3 with a title page, nav.xhtml and toc.ncx, the chapters in reading order."""
    from ebooklib import epub  # imported here: it loads lxml, which only export needs

    result = epub.EpubBook()
    result.set_identifier(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'kimi-writer:{book.title}:{author}')}")
    result.set_title(book.title)
    result.set_language(LANGUAGE)
    result.add_author(author)
    css = epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css", content=_css())
    result.add_item(css)
    title_page = _page(epub, "Title page", "title.xhtml", css,
                       f'<div class="title-page"><h1>{_escape(book.title)}</h1>'
                       f'<p class="author">{_escape(author)}</p></div>')
    chapters = [_page(epub, chapter.title, f"chapter_{index:03d}.xhtml", css, html)
                for index, (chapter, html) in enumerate(zip(book.chapters, chapter_html(book)), start=1)]
    for page in (title_page, *chapters):
        result.add_item(page)
    result.toc = chapters
    result.add_item(epub.EpubNcx())
    result.add_item(epub.EpubNav(title="Contents"))
    result.spine = [title_page, "nav", *chapters]
    _replace_atomically(path, lambda tmp: epub.write_epub(str(tmp), result, {}))


def _page(epub, title: str, file_name: str, css, body: str):
    page = epub.EpubHtml(title=title, file_name=file_name, lang=LANGUAGE)
    page.content = body
    page.add_item(css)
    return page


def _escape(text: str) -> str:
    return str(Markup.escape(text))


def _replace_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_output(project_root: Path, fmt: Format) -> Path:
    """`<project>/<project_name>.<ext>`."""
    return project_root / f"{project_root.name}.{fmt.value}"


def export(book: Manuscript, fmt: Format, path: Path, author: str = DEFAULT_AUTHOR) -> Path:
    """Write `book` to `path` in `fmt`; returns the path written."""
    if fmt is Format.epub:
        write_epub(book, author, path)
    else:
        text = to_html(book, author) if fmt is Format.html else to_markdown(book, author)
        atomic_write_text(path, text)
    return path
