"""Chinese numbers, chapter headings and length targets, as outlines and chapters write them:
"第一章 夜雨", "第1章：夜雨", "第十二章", "序章", "楔子", "尾声"; "约3000字", "3,000字", "三千字"."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_POWERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"
_ARABIC = "[0-9０-９]+"
CHAPTER = re.compile(r"^(?:#{1,6}\s*)?\**第\s*(" + _ARABIC + "|" + _NUMERAL + r")\s*[章回节節]\**"
                     r"(?:\s*[：:、.．·—–-]+\s*|\s+|$)(.*?)\**\s*$")
PROLOGUE_EPILOGUE = re.compile(r"^(?:#{1,6}\s*)?\**(序章|序幕|楔子|引子|尾声|尾聲|终章|終章)\**"
                               r"(?:\s*[：:、.．·—–-]+\s*|\s+|$)(.*?)\**\s*$")
BEFORE = ("序章", "序幕", "楔子", "引子")
TARGET = re.compile(r"[（(]\s*(?:约|大约|約|大約|~|～)?\s*([0-9][0-9,，]*|" + _NUMERAL + r")\s*(k|千|万)?\s*字\s*[）)]"
                    r"|(?:约|大约|約|大約)\s*([0-9][0-9,，]*|" + _NUMERAL + r")\s*(k|千|万)?\s*字"
                    r"|(?<![0-9])([0-9][0-9,，]*)\s*(k|千|万)?\s*字"
                    r"|([零〇一二两三四五六七八九十]*[百千万][零〇一二两三四五六七八九十百千万]*)字")
TITLE_SEPARATOR = re.compile(r"\s*[：:]\s*|\s*——\s*|\s+[—–-]\s+")


def chinese_number(text: str) -> int:
    """三千 -> 3000, 三千五 -> 3500, 十二 -> 12, 两万 -> 20000, 3000 -> 3000, ３ -> 3."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, current, last_power = 0, 0, 1
    for char in text:
        if char in "零〇":
            last_power = 10  # 一百零五: the 五 is units
        elif char in _DIGITS:
            current = _DIGITS[char]
        elif char == "万":
            total, current, last_power = (total + current) * 10_000, 0, 10_000
        else:
            last_power = _POWERS[char]
            total += (current or 1) * last_power
            current = 0
    return total + (current * last_power // 10 if current and last_power >= 100 else current)


def chinese_numeral(number: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一, 105 -> 一百零五 (up to 9,999)."""
    if number == 0:
        return "零"
    digits = "零一二三四五六七八九"
    parts, zero = [], False
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // power % 10
        if digit:
            parts.append(("零" if zero and parts else "") + ("" if power == 10 and digit == 1 and not parts
                                                              else digits[digit]) + name)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def chapter_heading(number: int, title: str) -> str:
    """"第一章 夜雨", or "第一章" without a title."""
    return f"第{chinese_numeral(number)}章" + (f" {title}" if title else "")


def target(text: str) -> tuple[str, int | None]:
    """(text without its 字 target, the target) from an entry's text."""
    match = TARGET.search(text)
    if match is None:
        return text, None
    groups = [group for group in match.groups()]
    number = next(group for group in groups[0::2] if group is not None)
    scale = next((group for group in groups[1::2] if group is not None), None)
    value = chinese_number(number.replace(",", "").replace("，", ""))
    value *= {"k": 1000, "千": 1000, "万": 10_000}.get(scale or "", 1)
    return (text[:match.start()] + text[match.end():]).strip(), value or None


def split_title(rest: str) -> tuple[str, str]:
    """(title, synopsis) of what follows "第一章" on a heading line: "夜雨：林默……" -> ("夜雨", "林默……")."""
    parts = TITLE_SEPARATOR.split(rest, maxsplit=1)
    return parts[0].strip(), parts[1].strip() if len(parts) > 1 else ""
