"""A book in Chinese, from `write` to `export` in every format: counted in 字, its 第一章 outline read,
the writer asked for 字, its language stored and declared (issue 30)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import assert_clean_protocol, tool_results
from tests.sample_book import run_offline
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_write_e2e import tool_turn

PLAIN = (Path(__file__).parent / "fixtures" / "zh_plain.md").read_text(encoding="utf-8")
OUTLINE = """# 夜雨

第一章 夜雨（约3000字）
林默在雨夜的茶馆里看见一个穿灰布长衫的人。

第二章 旧案：老陈讲起二十年前的旧案。三千字
"""
CHAPTER_1 = "# 第一章 夜雨\n\n" + PLAIN
CHAPTER_2 = "# 第二章 旧案\n\n" + "\n\n".join(PLAIN.split("\n\n")[::-1])
PROMPT = "写一部两章的悬疑小说，故事发生在江南小镇的一个雨夜"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def han(text: str) -> int:
    return len(_HAN.findall(text))


@pytest.fixture
def writer():
    scripted = ScriptedServer([Turn(content=CHAPTER_2)], models=["writer-1"]).start()
    yield scripted
    scripted.stop()


def write_the_book(server, run_cli, writer, *flags: str):
    server.add(
        tool_turn(tool_call("create_project", project_name="Ye_Yu")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER_1, summary="林默在茶馆。")),
        tool_turn(tool_call("draft_chapter", filename="chapter_02.md", brief="老陈讲旧案。")),
        Turn(content="全书完成。"),
    )
    return run_cli("write", PROMPT, "--writer-model", "writer-1", "--writer-base-url", writer.base_url, *flags)


def test_a_chinese_book_from_write_to_export(server, run_cli, writer, tmp_path):
    result = write_the_book(server, run_cli, writer)
    assert result.returncode == 0, result.stdout + result.stderr
    project = tmp_path / "projects/Ye_Yu"
    assert json.loads((project / ".kimi_writer/book.json").read_text())["language"] == "zh"  # from the prompt
    system = server.requests[0]["messages"][0]["content"]
    assert "The book is written in Chinese (language tag `zh`)" in system and "（约3000字）" in system
    first = han(CHAPTER_1)
    assert tool_results(server)["call_3"].startswith(
        f"Created chapter_01.md: it now holds {first:,} of the 3,000字 targeted for chapter 1.")
    assert f"wrote chapter_01.md: {first:,} of 3,000字" in result.stdout
    later = json.dumps([r["messages"] for r in server.requests], ensure_ascii=False)
    assert f"[{first:,}字 saved to chapter_01.md" in later  # the stub of the write in the history
    assert f"- chapter_01.md ({first:,}字): 林默在茶馆。" in later  # the book context
    request = writer.requests[0]["messages"]
    assert request[1]["content"].startswith("Write chapter_02.md, about 3,000字.")  # the target of 三千字
    assert "The book is written in Chinese" in request[0]["content"]
    assert f"Drafted chapter_02.md: {han(CHAPTER_2):,}字 of the 3,000 targeted" in tool_results(server)["call_4"]
    assert_clean_protocol(server)

    status = run_offline(tmp_path, "status", "Ye_Yu")
    assert status.returncode == 0, status.stderr
    assert "Language: zh (Chinese), counted in chars." in status.stdout
    assert re.search(r"┃ # ┃ title +┃ file +┃ +字 ┃ target ┃", status.stdout), status.stdout
    counts = {int(n): int(c.replace(",", "")) for n, c in re.findall(r"│ (\d) │ \S+ +│ chapter_0\d\.md +│ +([\d,]+) │ +3,000 │",
                                                                   status.stdout)}
    for number, text in ((1, CHAPTER_1), (2, CHAPTER_2)):
        assert abs(counts[number] - han(text)) <= 0.01 * han(text), (number, counts, han(text))
    assert f"{counts[1] + counts[2]:,}字 in chapters." in status.stdout
    shown = json.loads(run_offline(tmp_path, "status", "Ye_Yu", "--json").stdout)
    assert shown["unit"] == "chars" and shown["words"] == counts[1] + counts[2]
    for part, text in zip(shown["parts"], (CHAPTER_1, CHAPTER_2), strict=True):  # within 1% of the Han characters
        assert abs(part["words"] - han(text)) <= 0.01 * han(text), (part, han(text))
    assert [(book["project"], book["unit"]) for book in json.loads(run_offline(tmp_path, "list", "--json").stdout)] \
        == [("Ye_Yu", "chars")]

    for fmt in ("md", "html", "epub", "docx"):
        exported = run_offline(tmp_path, "export", "Ye_Yu", "--format", fmt)
        assert exported.returncode == 0, exported.stderr
        assert f"  1. 第一章 夜雨 (chapter_01.md): {counts[1]:,}字" in exported.stdout
    assert (project / "Ye_Yu.md").read_text().count("# 第一章 夜雨") == 1
    html = (project / "Ye_Yu.html").read_text()
    assert '<html lang="zh">' in html and "<h1>第二章 旧案</h1>" in html and "Chapter 1" not in html
    assert "<h2>目录</h2>" in html
    with zipfile.ZipFile(project / "Ye_Yu.epub") as epub:
        assert "<dc:language>zh</dc:language>" in epub.read("EPUB/content.opf").decode()
        pages = [name for name in epub.namelist() if name.endswith(".xhtml")]
        assert len(pages) == 4
        for page in pages:
            assert 'lang="zh" xml:lang="zh"' in epub.read(page).decode(), page
        assert "第一章 夜雨" in epub.read("EPUB/chapter_001.xhtml").decode()
    with zipfile.ZipFile(project / "Ye_Yu.docx") as docx:
        styles = docx.read("word/styles.xml").decode()
        fonts = docx.read("word/fontTable.xml").decode()
        body = docx.read("word/document.xml").decode()
    assert 'w:eastAsia="Noto Serif CJK SC"' in styles and 'w:eastAsia="zh-CN"' in styles
    assert '<w:font w:name="Noto Serif CJK SC"><w:altName w:val="SimSun"/>' in fonts
    assert '<w:ind w:firstLine="480"/>' in styles  # two characters of 12 pt
    assert "第一章 夜雨" in body and "约1,200字" in body
    signed = run_offline(tmp_path, "export", "Ye_Yu", "--format", "docx", "--author", "林雨", "--output", "signed.docx")
    assert signed.returncode == 0, signed.stderr
    with zipfile.ZipFile(tmp_path / "signed.docx") as docx:
        body = docx.read("word/document.xml").decode()
    assert "林雨 著" in body and "by 林雨" not in body


def test_language_flag_overrides_the_prompt_and_english_stays_english(server, run_cli, tmp_path):
    cases = [(PROMPT, ["--language", "en"], "en"), ("A two-chapter mystery in a river town", [], "en"),
             ("A two-chapter mystery in a river town", ["--language", "zh-hant"], "zh-Hant")]
    for number, (prompt, flags, expected) in enumerate(cases):
        server.add(tool_turn(tool_call("create_project", project_name=f"Book_{number}")), Turn(content="done"))
        result = run_cli("write", prompt, *flags)
        assert result.returncode == 0, result.stdout + result.stderr
        stored = json.loads((tmp_path / f"projects/Book_{number}/.kimi_writer/book.json").read_text())
        assert stored == {"language": expected}
    systems = [request["messages"][0]["content"] for request in server.requests[::2]]
    assert "The book is written in" not in systems[0] + systems[1]  # English prompts as they were
    assert "The book is written in Chinese (traditional characters) (language tag `zh-Hant`)" in systems[2]

    server.add(Turn(content="done"))  # --recover --language changes a book's stored language
    resumed = run_cli("write", "--recover", "Book_0", "--language", "zh")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads((tmp_path / "projects/Book_0/.kimi_writer/book.json").read_text()) == {"language": "zh"}
    assert "The book is written in Chinese (language tag `zh`)" in server.requests[-1]["messages"][0]["content"]


def test_a_bad_language_tag_is_one_sentence(run_cli):
    result = run_cli("write", "x", "--language", "中文!")
    assert result.returncode == 2
    assert "--language must be a language tag such as zh, zh-Hant, ja or en" in result.stderr
    assert "Traceback" not in result.stderr


STUFFED = "# 第三章 余波\n\n" + "\n\n".join(
    f"{paragraph}他深吸一口气，嘴角勾起一抹苦笑，眼中闪过一丝不易察觉的光。这不是结束，而是开始。空气仿佛凝固了。"
    for paragraph in PLAIN.split("\n\n"))


def lint_book(tmp_path: Path, chapters: dict[str, str], *extra: str):
    root = tmp_path / "projects/Lint_Me"
    root.mkdir(parents=True, exist_ok=True)
    (root / "outline.md").write_text(OUTLINE, encoding="utf-8")
    for name, text in chapters.items():
        (root / name).write_text(text, encoding="utf-8")
    return run_offline(tmp_path, "lint", "Lint_Me", *extra)


def test_lint_flags_a_chapter_stuffed_with_stock_phrases_and_not_a_plain_one(tmp_path):
    result = lint_book(tmp_path, {"chapter_01.md": CHAPTER_1, "chapter_02.md": STUFFED})
    assert result.returncode == 0, result.stdout + result.stderr  # warnings only: no banned phrase of the project
    flavour = [line for line in result.stdout.splitlines() if "AI flavour" in line]
    assert len(flavour) == 1 and flavour[0].startswith("chapter_02.md:3: warning: AI flavour (AI味): slop index ")
    assert "深吸一口气 ×13" in flavour[0] and "嘴角勾起一抹 ×13" in flavour[0]
    assert not [line for line in result.stdout.splitlines() if line.startswith("chapter_01.md") and "AI" in line]
    own = [line for line in result.stdout.splitlines() if line.startswith("chapter_01.md")]
    assert own == [f"chapter_01.md: warning: {han(CHAPTER_1):,}字 against a target of 3,000 (20%)"]  # its length only


def test_the_verdict_does_not_depend_on_script_quotes_or_punctuation_width(tmp_path):
    from opencc import OpenCC

    traditional = OpenCC("s2t").convert(STUFFED).replace("“", "「").replace("”", "」").replace("，", ",")
    plain = OpenCC("s2t").convert(CHAPTER_1).replace("“", "「").replace("”", "」").replace("。", ".")
    result = lint_book(tmp_path, {"chapter_01.md": plain, "chapter_02.md": traditional})
    flavour = [line for line in result.stdout.splitlines() if "AI flavour" in line]
    assert len(flavour) == 1 and flavour[0].startswith("chapter_02.md:3: warning: AI flavour (AI味)")


def test_a_projects_own_banned_phrases_work_in_chinese(tmp_path):
    root = tmp_path / "projects/Lint_Me"
    root.mkdir(parents=True)
    (root / "banned_phrases.txt").write_text("# 本书禁用\n铁桶叮叮当当\n", encoding="utf-8")
    result = lint_book(tmp_path, {"chapter_01.md": CHAPTER_1})
    assert result.returncode == 1
    assert 'chapter_01.md:3: error: banned phrase "铁桶叮叮当当"' in result.stdout
    assert "2 findings in 1 of 1 chapter" in result.stderr  # the phrase and the chapter's length


def test_lint_json_counts_a_chinese_book_in_characters_with_its_own_slop_index(tmp_path):
    from kimi_writer.guard import zh

    result = lint_book(tmp_path, {"chapter_01.md": CHAPTER_1, "chapter_02.md": STUFFED}, "--json")
    report = json.loads(result.stdout)
    assert report["unit"] == "chars" and result.returncode == 0, result.stderr
    plain, stuffed = report["chapters"]
    assert plain["words"] == han(CHAPTER_1)
    assert stuffed["slop_index"] == pytest.approx(zh.check(STUFFED, None, []).slop_index, abs=0.01)
    assert stuffed["slop_index"] >= zh.SLOP_THRESHOLD > plain["slop_index"]
    assert sum(stuffed["slop_parts"].values()) == pytest.approx(stuffed["slop_index"], abs=0.05)
    assert [f["check"] for f in stuffed["findings"]].count("slop_index") == 1
    english = tmp_path / "en/projects/Rain"
    english.mkdir(parents=True)
    (english / "chapter_01.md").write_text("# Chapter 1\n\nThe rain fell on the town all night.\n", encoding="utf-8")
    report = json.loads(run_offline(tmp_path / "en", "lint", "Rain", "--json").stdout)
    assert report["unit"] == "words" and report["chapters"][0]["words"] == 11  # "#" too, as ever


def test_review_mechanical_only_json_counts_a_chinese_book_in_characters(tmp_path):
    lint_book(tmp_path, {"chapter_01.md": CHAPTER_1})
    result = run_offline(tmp_path, "review", "Lint_Me", "--mechanical-only", "--json")
    document = json.loads(result.stdout)
    assert result.returncode == 0 and document["unit"] == "chars", result.stderr
    assert document["chapters"][0]["words"] == han(CHAPTER_1)


def test_english_stock_phrases_in_a_chinese_chapter_are_counted_per_1000_characters(tmp_path):
    mixed = CHAPTER_1.replace("。", "。It was a testament to the fog. ", 3)
    result = lint_book(tmp_path, {"chapter_01.md": mixed})
    stock = [line for line in result.stdout.splitlines() if "stock phrases in" in line]
    assert len(stock) == 1 and "stock phrases in" in stock[0] and "字 (" in stock[0], result.stdout
    assert "per 1,000字" in stock[0] and "words" not in stock[0]
