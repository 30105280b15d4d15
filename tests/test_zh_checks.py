"""The Chinese style checks: normalization, sentences, openers and phrases by characters, and the
slop index calibrated on ../shared/corpus/zh (issue 30)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimi_writer.guard import zh
from kimi_writer.guard.checks import check_chapter

REPO = Path(__file__).resolve().parent.parent
CORPUS = next((folder for folder in (REPO.parent / "shared/corpus/zh", Path("/work/shared/corpus/zh"))
               if folder.is_dir()), None)
PLAIN = (Path(__file__).parent / "fixtures" / "zh_plain.md").read_text(encoding="utf-8")


def test_normalization_keeps_lines_and_makes_script_quotes_and_width_alike():
    text = "「這是什麼？」他問.\n\n\"走吧,\"她說......"
    assert zh.normalize(text) == "“这是什么？”他问。\n\n“走吧，”她说……"
    assert zh.normalize(PLAIN) == PLAIN  # simplified text with full-width punctuation is left as it is


def test_sentences_end_at_chinese_stops_and_closing_quotes():
    found = zh.sentences("# 第一章\n\n他说：“走吧！”她没动。雨还在下……\n\n“真的？”")
    assert [(s.text, s.line) for s in found] == [("他说：“走吧！”", 3), ("她没动。", 3), ("雨还在下……", 3),
                                                 ("“真的？”", 5)]


def test_openers_and_repeats_are_judged_by_characters():
    lines = [f"林默站在门口，看着第{n}辆车开过去。" for n in "一二三四五"] + ["雨水顺着屋檐滴落下来。"] * 3
    text = "\n\n".join(lines + [PLAIN])
    report = check_chapter("chapter_01.md", text, [])
    assert [(f.kind, f.message) for f in report.findings] == [
        ("opener", '5 sentences open with "林默站在" (lines 1, 3, 5, 7, 9)'),
        ("opener", '3 sentences open with "雨水顺着" (lines 11, 13, 15)'),
        ("repeated_phrase", '"雨水顺着屋檐滴落" 3 times (lines 11, 13, 15)')]
    assert report.words == zh.count_words(text)


def test_the_not_x_but_y_contrast_and_stock_phrases_count_as_rates():
    text = PLAIN + "\n\n这不是雨，而是泪。他深吸一口气。"
    parts = zh.slop_parts(zh.normalize(text))
    size = zh.count_words(text)
    assert parts["contrast"] == pytest.approx(1000 / size) and parts["stock"] == pytest.approx(1000 / size)
    report = check_chapter("chapter_01.md", text, [])
    assert [f.kind for f in report.findings] == []  # one hit is no verdict


def test_a_chapter_in_chinese_is_told_from_one_in_english():
    assert zh.is_cjk_text(PLAIN) and zh.is_cjk_text("雨の夜、彼女は静かに窓を閉めた。")
    assert not zh.is_cjk_text("Hale walked to the docks. 你好 was all he said.")


@pytest.mark.skipif(CORPUS is None, reason="the Chinese calibration corpus (../shared/corpus/zh) is absent")
def test_calibration_on_the_corpus():
    def indexes(side: str, disguise=lambda text: text) -> list[float]:
        return [zh.check(disguise(path.read_text(encoding="utf-8")), None, []).slop_index
                for path in sorted((CORPUS / side).glob("*/*.md"))]

    human, ai = indexes("human"), indexes("ai")
    flagged = sum(index >= zh.SLOP_THRESHOLD for index in human)
    assert flagged <= 0.1 * len(human), (flagged, len(human))
    auc = sum((a > h) + 0.5 * (a == h) for a in ai for h in human) / (len(ai) * len(human))
    assert auc > 0.88
    assert sum(index >= zh.SLOP_THRESHOLD for index in ai) >= 0.8 * len(ai)
