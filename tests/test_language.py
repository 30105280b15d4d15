"""A book's language: detection, counting in 字, Chinese outlines and targets (issue 30)."""

from __future__ import annotations

import pytest

from kimi_writer.book.chinese import chinese_number, chinese_numeral
from kimi_writer.book.language import book_language, store_language, stored_language
from kimi_writer.book.outline import parse_outline
from kimi_writer.book.project import Project
from kimi_writer.core.language import amount, count_words, detect_language, normalize_tag, of_target, unit


@pytest.mark.parametrize("text, expected", [
    ("写一部十二章的悬疑小说，故事发生在民国上海", "zh"),
    ("寫一部十二章的懸疑小說，故事發生在民國時期的上海", "zh-Hant"),
    ("雨の夜に起きた殺人事件の物語を書いてください", "ja"),
    ("비 오는 밤에 일어난 살인 사건에 대한 소설", "ko"),
    ("A 12-chapter mystery set in Victorian London", "en"),
    ("A “quiet” novel — about a lighthouse keeper and the sea", "en"),
    ("Un roman policier en douze chapitres, à Paris", "fr"),
    ("Eine Geschichte über einen Hund und seinen Jungen", "de"),
    ("x", "en"),  # nothing to tell by: the default
    ("", "en"),
])
def test_detects_the_language_of_a_prompt(text, expected):
    assert detect_language(text) == expected


def test_chinese_and_japanese_are_counted_by_characters_and_latin_words_as_words():
    assert count_words("第一章 夜雨\n\n他说：“你好。”") == 9  # punctuation is not counted
    assert count_words("林默打开了 iPhone 15 的屏幕。") == 8 + 2
    japanese = "雨の夜、彼女は静かに窓を閉めた。「もう帰らない」と言った。"
    assert count_words(japanese) == sum(1 for c in japanese if c not in "、。「」")
    assert count_words("Hale said — nothing, and the fog came in.") == 9  # English as before: split on spaces
    assert unit("zh") == unit("ja") == unit("zh-Hant") == "chars" and unit("en") == unit("fr") == "words"
    assert amount(3254, "zh") == "3,254字" and amount(3254, "ja") == "3,254 chars" and amount(1, "en") == "1 words"
    assert of_target(3254, 3000, "zh") == "3,254 of 3,000字" and of_target(12, None, "en") == "12 words"


def test_language_tags_are_normalized():
    assert normalize_tag("zh-hant") == "zh-Hant" and normalize_tag("zh_cn") == "zh-CN" and normalize_tag("EN") == "en"
    with pytest.raises(ValueError):
        normalize_tag("中文")


@pytest.mark.parametrize("text, number", [("一", 1), ("十", 10), ("十二", 12), ("二十一", 21), ("一百零五", 105),
                                          ("三千", 3000), ("三千五", 3500), ("两万", 20000), ("3000", 3000), ("１２", 12)])
def test_chinese_numbers(text, number):
    assert chinese_number(text) == number


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 10, 12, 21, 105, 3000)] == ["一", "十", "十二", "二十一", "一百零五", "三千"]


def test_a_chinese_outline_is_read_with_its_targets():
    outline = """# 夜雨

序章 开端（约1000字）
林默回到故乡。

第一章 夜雨（约3000字）
林默在雨夜发现了一具尸体。他站在十字路口。

## 第2章：旧案
老陈讲起二十年前的旧案。约3,000字

第十二章 真相：哥哥才是凶手。三千字

尾声
"""
    entries = parse_outline(outline)
    assert [(e.number, e.title, e.target_words) for e in entries] == [
        (0, "开端", 1000), (1, "夜雨", 3000), (2, "旧案", 3000), (12, "真相", 3000), (13, "尾声", None)]
    assert entries[1].synopsis == "林默在雨夜发现了一具尸体。他站在十字路口。"  # 十字 is no target
    assert entries[3].synopsis == "哥哥才是凶手。"


def test_numbered_chinese_entries_and_targets():
    outline = "# 书\n\n1. **夜雨** —— 林默在雨夜发现尸体。（约3000字）\n2. 旧案：老陈讲起旧案。（3,000字）\n" \
              "3. 第三章 归途 —— 回家。(~2k字)\n"
    assert [(e.number, e.title, e.synopsis, e.target_words) for e in parse_outline(outline)] == [
        (1, "夜雨", "林默在雨夜发现尸体。", 3000), (2, "旧案", "老陈讲起旧案。", 3000), (3, "归途", "回家。", 2000)]


def test_a_folder_without_a_stored_language_is_detected_from_its_text(tmp_path):
    project = Project(tmp_path)
    (tmp_path / "chapter_01.md").write_text("# 第一章\n\n雨下了一整夜。林默站在巷口。\n", encoding="utf-8")
    assert stored_language(project) is None and book_language(project) == "zh"
    store_language(project, "zh-Hant")
    assert stored_language(project) == book_language(project) == "zh-Hant"
    (tmp_path / ".kimi_writer/book.json").write_text("{not json", encoding="utf-8")
    assert stored_language(project) is None and book_language(project) == "zh"
