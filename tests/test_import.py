"""`kimi-writer import --no-plan`: the author's manuscript becomes chapter files holding their text exactly;
bad input is one sentence, exit 2, and no project left behind; --no-plan sends no request at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest

from tests.import_fixtures import CP1252_CHAPTERS, CP1252_TEXT, make_docx, make_epub, roman_text

NO_KEY = {"KIMI_WRITER_API_KEY": "", "MOONSHOT_API_KEY": ""}


def chapters(project: Path, noun: str = "chapter") -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(project.glob(f"{noun}_*.md"))]


def imported(run_cli, *args: str):
    result = run_cli("import", *args, "--no-plan", env=NO_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_docx_becomes_its_chapters_with_emphasis_and_scene_breaks_and_no_request(tmp_path, server, run_cli):
    path, expected = make_docx(tmp_path / "lighthouse.docx")
    result = imported(run_cli, str(path))
    project = tmp_path / "projects" / "The_Lighthouse_Keeper"
    assert chapters(project) == expected
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith(".")) == [
        "chapter_01.md", "chapter_02.md", "chapter_03.md"]
    assert server.requests == []  # --no-plan: no key, no request
    marks = json.loads((project / ".kimi_writer/author_text.json").read_text(encoding="utf-8"))
    assert sorted(marks["files"]) == ["chapter_01.md", "chapter_02.md", "chapter_03.md"]
    assert "Imported 3 chapters" in result.stdout and f"kimi-writer write --recover {project}" in result.stdout


def test_an_epub_is_read_in_spine_order(tmp_path, run_cli):
    path, expected = make_epub(tmp_path / "lighthouse.epub")
    imported(run_cli, str(path), "--name", "Keeper")
    assert chapters(tmp_path / "projects" / "Keeper") == expected


def test_a_text_with_roman_chapter_numbers_and_a_title_line(tmp_path, run_cli):
    text, expected = roman_text()
    (tmp_path / "keeper.txt").write_text(text, encoding="utf-8")
    imported(run_cli, "keeper.txt")
    assert chapters(tmp_path / "projects" / "The_Lighthouse_Keeper") == expected


def test_a_windows_1252_text_is_decoded(tmp_path, run_cli):
    (tmp_path / "old.txt").write_bytes(CP1252_TEXT.replace("\n", "\r\n").encode("cp1252"))
    imported(run_cli, "old.txt", "--name", "Old")
    assert chapters(tmp_path / "projects" / "Old") == CP1252_CHAPTERS


def test_a_folder_is_one_chapter_per_file_in_natural_order(tmp_path, run_cli):
    folder = tmp_path / "drafts"
    folder.mkdir()
    for number in (1, 2, 10):
        (folder / f"{number}.md").write_text(f"# Part {number}\n\nText {number}.\n", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    imported(run_cli, str(folder))
    assert chapters(tmp_path / "projects" / "drafts") == [f"# Part {n}\n\nText {n}.\n" for n in (1, 2, 10)]


def test_split_pattern_and_a_collection_of_stories(tmp_path, run_cli):
    (tmp_path / "tales.md").write_text("# Night Stories\n\n~ The Owl ~\n\nAn owl.\n\n~ The Fox ~\n\nA fox.\n",
                                       encoding="utf-8")
    imported(run_cli, "tales.md", "--split", "^~")
    project = tmp_path / "projects" / "Night_Stories"
    assert chapters(project, "story") == ["~ The Owl ~\n\nAn owl.\n", "~ The Fox ~\n\nA fox.\n"]


def test_a_long_text_without_headings_is_one_chapter_with_a_warning(tmp_path, run_cli):
    text = (" ".join(["The sea was grey and the keeper was tired of it."] * 40) + "\n\n") * 1_000  # about 2 MB
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    result = imported(run_cli, "long.txt")
    assert chapters(tmp_path / "projects" / "long") == [text.strip() + "\n"]
    assert "no chapter headings" in result.stderr and "--split" in result.stderr


def test_a_name_that_is_taken_gets_a_number(tmp_path, run_cli):
    text, _ = roman_text()
    (tmp_path / "keeper.txt").write_text(text, encoding="utf-8")
    imported(run_cli, "keeper.txt")
    imported(run_cli, "keeper.txt")
    assert sorted(p.name for p in (tmp_path / "projects").iterdir()) == ["The_Lighthouse_Keeper",
                                                                          "The_Lighthouse_Keeper_2"]


def _empty_docx(path: Path) -> None:
    docx.Document().save(str(path))


BAD = {
    "corrupt.docx": (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a readable .docx"),
    "locked.docx": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600), "encrypted"),
    "empty.docx": (_empty_docx, "no text to import"),
    "broken.epub": (lambda p: p.write_bytes(b"not an epub"), "not a readable .epub"),
    "book.pdf": (lambda p: p.write_bytes(b"%PDF-1.4"), "reads .docx, .epub, .md and .txt"),
    "binary.txt": (lambda p: p.write_bytes(b"\x00\xff\xfe\x00" * 50), "not text in any encoding"),
    "blank.md": (lambda p: p.write_text("\n\n  \n"), "no text to import"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_sentence_exit_2_and_no_project(tmp_path, server, run_cli, name):
    make, words = BAD[name]
    make(tmp_path / name)
    result = run_cli("import", name, env=NO_KEY if name != "empty.docx" else None)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not (tmp_path / "projects").exists()
    assert server.requests == []


def test_a_folder_with_no_text_files_and_a_missing_path(tmp_path, run_cli):
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "page1.pdf").write_bytes(b"%PDF-1.4")
    result = run_cli("import", "scans", "--no-plan")
    assert result.returncode == 2 and "holds no text files" in result.stderr and ".docx, .epub" in result.stderr
    missing = run_cli("import", "nowhere.docx", "--no-plan")
    assert missing.returncode == 2 and "there is no file or folder nowhere.docx" in missing.stderr
    assert not (tmp_path / "projects").exists()


def test_plan_without_a_key_says_to_set_one_or_use_no_plan(tmp_path, run_cli):
    text, _ = roman_text()
    (tmp_path / "keeper.txt").write_text(text, encoding="utf-8")
    result = run_cli("import", "keeper.txt", env=NO_KEY)
    assert result.returncode == 2 and "no API key is set" in result.stderr and "--no-plan" in result.stderr
    assert not (tmp_path / "projects").exists()


def test_status_shows_the_authors_chapters(tmp_path, run_cli):
    text, _ = roman_text()
    (tmp_path / "keeper.txt").write_text(text, encoding="utf-8")
    imported(run_cli, "keeper.txt")
    status = run_cli("status", "The_Lighthouse_Keeper")
    assert status.returncode == 0, status.stderr
    assert "chapter_01.md (author's)" in status.stdout and "chapter_03.md (author's)" in status.stdout


def _small_epub(path: Path) -> Path:
    """An EPUB with a title page and a dedication before two short chapters."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("sea-1")
    book.set_title("Sea Book")
    book.set_language("en")
    items = []
    for name, html in (("tp", "<p>Sea Book</p><p>by Ann Lee</p>"), ("ded", "<h1>Dedication</h1><p>For Tom.</p>"),
                       ("c1", "<h1>The Lamp</h1><p>Short one.</p>"), ("c2", "<h1>The Wreck</h1><p>Two.</p>")):
        item = epub.EpubHtml(title=name, file_name=f"{name}.xhtml")
        item.content = f"<html><body>{html}</body></html>"
        book.add_item(item)
        items.append(item)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
    return path


def _with_encryption(path: Path, target: str) -> None:
    import zipfile

    listing = (f'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><EncryptedData>'
               f'<CipherData><CipherReference URI="{target}"/></CipherData></EncryptedData></encryption>')
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("META-INF/encryption.xml", listing)


def test_epub_front_matter_is_kept_apart_and_obfuscated_fonts_are_no_drm(tmp_path, run_cli):
    _with_encryption(_small_epub(tmp_path / "sea.epub"), "EPUB/fonts/serif.otf")
    imported(run_cli, "sea.epub")
    project = tmp_path / "projects" / "Sea_Book"
    assert (project / "front_matter.md").read_text(encoding="utf-8") == "Sea Book\n\nby Ann Lee\n\n# Dedication\n\nFor Tom.\n"
    assert chapters(project) == ["# The Lamp\n\nShort one.\n", "# The Wreck\n\nTwo.\n"]


def test_an_epub_whose_text_is_encrypted_is_refused(tmp_path, run_cli):
    _with_encryption(_small_epub(tmp_path / "drm.epub"), "EPUB/c1.xhtml")
    result = run_cli("import", "drm.epub", "--no-plan")
    assert result.returncode == 2 and "encrypted (DRM)" in result.stderr and not (tmp_path / "projects").exists()


ZH_PLAIN = (Path(__file__).parent / "fixtures" / "zh_plain.md").read_text(encoding="utf-8")


def test_a_chinese_manuscript_is_split_at_its_chapter_headings_and_its_language_stored(tmp_path, run_cli):
    path = tmp_path / "yeyu.txt"
    path.write_text(f"夜雨\n\n第一章 夜雨\n\n{ZH_PLAIN}\n\n第二章：旧案\n\n{ZH_PLAIN}", encoding="utf-8")
    result = imported(run_cli, str(path), "--name", "Ye_Yu")
    project = tmp_path / "projects" / "Ye_Yu"
    assert [text.splitlines()[0] for text in chapters(project)] == ["# 第一章 夜雨", "# 第二章：旧案"]
    assert json.loads((project / ".kimi_writer/book.json").read_text(encoding="utf-8")) == {"language": "zh"}
    han = sum(1 for char in path.read_text(encoding="utf-8")[3:] if "\u4e00" <= char <= "\u9fff")  # not the title
    counted = int(re.search(r"Imported 2 chapters \(([\d,]+)字\)", result.stdout).group(1).replace(",", ""))
    assert abs(counted - han) <= 0.01 * han, (counted, han)

    imported(run_cli, str(path), "--name", "Ye_Yu_Hant", "--language", "zh_hant")  # the flag wins over the text
    assert json.loads((tmp_path / "projects/Ye_Yu_Hant/.kimi_writer/book.json").read_text()) == {"language": "zh-Hant"}
    english = tmp_path / "rain.txt"
    english.write_text("Chapter 1\n\nThe rain fell on the town all night.\n", encoding="utf-8")
    imported(run_cli, str(english), "--name", "Rain")
    assert json.loads((tmp_path / "projects/Rain/.kimi_writer/book.json").read_text()) == {"language": "en"}
    bad = run_cli("import", str(english), "--no-plan", "--language", "中文!", env=NO_KEY)
    assert bad.returncode == 2 and "--language must be a language tag" in bad.stderr and "Traceback" not in bad.stderr
