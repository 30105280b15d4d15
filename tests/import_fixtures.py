"""Manuscripts made inside the tests: a DOCX (python-docx), an EPUB (ebooklib), a text with roman
chapter numbers, and a Windows-1252 text. Each returns its path and the chapters it must become."""

from __future__ import annotations

from pathlib import Path

import docx
from ebooklib import epub

LIGHTHOUSE = [
    ("Chapter 1: The Lamp", ["Mara climbed the ninety steps before dawn, counting them as her father had.",
                             "The lamp was cold. She wiped the salt from the lens with her sleeve."]),
    ("Chapter 2: The Wreck", ["The ship came apart on the Teeth at noon, and nobody on the quay moved.",
                              "Only Mara rowed out, because the bell had rung three times."]),
    ("Chapter 3: The Letter", ["The letter was dry inside its oilskin, addressed to a man long dead.",
                               "She did not open it. She put it under the clock and waited for him."]),
]


def chapter_markdown(heading: str, paragraphs: list[str]) -> str:
    return f"# {heading}\n\n" + "\n\n".join(paragraphs) + "\n"


FILLER = " ".join(["The wind worked at the shutters and the sea answered it."] * 25)  # about 300 tokens


def make_docx(path: Path, filler: bool = False) -> tuple[Path, list[str]]:
    """A DOCX with a Title, Heading 1 chapters, italics, bold and a scene break (and, with `filler`, a
    long paragraph more in each chapter, so that a small window reads them in more than one batch)."""
    document = docx.Document()
    document.add_paragraph("The Lighthouse Keeper", style="Title")
    expected = []
    for number, (heading, paragraphs) in enumerate(LIGHTHOUSE, 1):
        document.add_heading(heading, level=1)
        first = document.add_paragraph("She said it ")
        first.add_run("twice").italic = True
        first.add_run(", then ")
        first.add_run("louder").bold = True
        first.add_run(".")
        paragraphs = [*paragraphs, FILLER] if filler else paragraphs
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        document.add_paragraph("* * *")
        document.add_paragraph(f"Scene two of chapter {number}.")
        expected.append(f"# {heading}\n\nShe said it *twice*, then **louder**.\n\n" + "\n\n".join(paragraphs)
                        + f"\n\n* * *\n\nScene two of chapter {number}.\n")
    document.save(str(path))
    return path, expected


def make_epub(path: Path) -> tuple[Path, list[str]]:
    """An EPUB whose spine order differs from the order its files were added in."""
    book = epub.EpubBook()
    book.set_identifier("lighthouse-1")
    book.set_title("The Lighthouse Keeper")
    book.set_language("en")
    items = []
    for number, (heading, paragraphs) in enumerate(LIGHTHOUSE, 1):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        item = epub.EpubHtml(title=heading, file_name=f"z{4 - number}.xhtml", lang="en")
        item.content = f"<html><body><h1>{heading}</h1><p>She <em>knew</em>.</p>{body}</body></html>"
        items.append(item)
    for item in reversed(items):
        book.add_item(item)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)
    return path, [f"# {heading}\n\nShe *knew*.\n\n" + "\n\n".join(paragraphs) + "\n" for heading, paragraphs in LIGHTHOUSE]


def roman_text() -> tuple[str, list[str]]:
    """A plain text: a title line, then CHAPTER I, II, III."""
    chapters = [(f"CHAPTER {roman}", paragraphs) for roman, (_, paragraphs) in zip(("I", "II", "III"), LIGHTHOUSE)]
    text = "THE LIGHTHOUSE KEEPER\n\n" + "\n\n".join(f"{h}\n\n" + "\n\n".join(p) for h, p in chapters) + "\n"
    return text, [chapter_markdown(h, p) for h, p in chapters]


CP1252_TEXT = ("Chapter One\n\n\u201cNa\u00efve,\u201d said the caf\u00e9 owner \u2014 and he meant it.\n\n"
               "Chapter Two\n\nThe cr\u00e8me br\u00fbl\u00e9e cost \u00a35, which was a fortune.\n")
CP1252_CHAPTERS = ["# Chapter One\n\n\u201cNa\u00efve,\u201d said the caf\u00e9 owner \u2014 and he meant it.\n",
                   "# Chapter Two\n\nThe cr\u00e8me br\u00fbl\u00e9e cost \u00a35, which was a fortune.\n"]
