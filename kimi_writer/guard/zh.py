"""Mechanical checks of Chinese (and Japanese) prose, by characters: what checks.py does for English.

The text is normalized first, so that the script, the quote style or the punctuation width never
decides a verdict: traditional characters become simplified (OpenCC), 「」『』 and ASCII "…" quotes
become “”‘’, half-width , . ! ? : ; between CJK characters become full-width, and ... or 。。。 become
……. Line numbers stay as they were.

- sentences end at 。！？ and …… (after any closing quote), and at a line break;
- repeated openers: the same first `OPENER_CHARS` characters start three or more sentences and more
  than one in `OPENER_SHARE`;
- repeated phrases: a run of `PHRASE_CHARS` characters (no punctuation in it) three or more times;
- AI flavour ("AI味"): the slop index, a weighted sum of rates per 1,000 characters: the built-in
  stock phrases (`data/zh_stock_phrases.txt`), common AI-flavour words, the "not X but Y" contrast
  (不是……而是……) and similes. Like the English stock-phrase rule, a rate, not a single hit: lint
  warns when the index reaches `SLOP_THRESHOLD` (calibrated in bench/zh_calibration.py).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..core.language import count_words, primary, script_language, to_simplified, traditional_share
from .language import CHINESE
from .slop import SlopParts

STOCK_FILE = Path(__file__).resolve().parent.parent / "data" / "zh_stock_phrases.txt"
FLAVOUR_WORDS = ("微微", "缓缓", "淡淡", "轻轻", "目光", "沉默", "某种", "一丝", "嘴角", "眉头", "瞬间", "透着",
                 "弥漫", "深吸", "指节", "喉结", "凝视", "心头")  # words AI prose leans on, in every source
SIMILES = ("像", "仿佛", "如同", "宛如", "犹如", "似的", "好似")
CONTRAST = CHINESE.contrasts[0]  # 不是……而是……
WEIGHTS = {"stock": 2.0, "words": 1.0, "contrast": 1.0, "similes": 0.2}
"""Per 1,000 characters. A stock phrase is several characters of cliché, so it weighs double; similes
are common in good prose too (Lu Xun, Xiao Hong), so they weigh little: only a glut of them counts."""
SLOP_THRESHOLD = 2.5
"""Measured with bench/zh_calibration.py on ../shared/corpus/zh (21 human chapters by 6 public-domain
authors, 25 AI chapters from 5 sources): the human chapters score 0 to 1.8, so at 2.5 none of them is
flagged (the default must flag at most 10%), and 24 of the 25 AI chapters are."""
OPENER_CHARS = 4
OPENER_SHARE = 1 / 25
PHRASE_CHARS = 8
MIN_REPEATS = 3
MIN_MARKERS = 5  # a short text with a hit or two has a high rate but tells little: no verdict on less
SAMPLE = 2000  # characters looked at for traditional ones
TARGET_TOLERANCE = 0.25  # 字 more than 25% short of or over the target are flagged
Finding = tuple[str, int, str, str, tuple[int, ...]]  # kind, line, quote, message, lines: checks.Finding's fields

_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_SCENE_BREAK = re.compile(r"^\s*(?:(?:[*\-_~#=]|•)\s*){3,}$|^\s*[*#§~]\s*$")
_CJK = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
_HALF_WIDTH = {",": "，", ".": "。", "!": "！", "?": "？", ":": "：", ";": "；"}
_QUOTES = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})
_FULL_WIDTH_ALNUM = str.maketrans({chr(code): chr(code - 0xFEE0) for code in
                                   [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]})
_SENTENCE = re.compile(r"[^。！？…\n]+(?:[。！？]+|…+)?[”’）)]*|…+[”’）)]*")
_PUNCTUATION = re.compile(r"[^\w]|_")
_MARKUP = re.compile(r"[*_`#>]")


class Sentence(NamedTuple):
    text: str
    line: int  # 1-based


class Report(NamedTuple):
    """A chapter's figures (the fields of checks.ChapterChecks) and findings (kind, line, quote,
    message, lines), for checks.py to wrap."""

    figures: dict
    findings: list[Finding]
    slop_parts: dict[str, float]
    slop_index: float


def is_cjk_text(text: str) -> bool:
    """Whether `text` is Chinese or Japanese prose (CJK characters are most of its letters)."""
    return script_language(text[:4000]) in ("zh", "zh-Hant", "ja")


def normalize_line(line: str, simplify: bool = True) -> str:
    """One line with full-width punctuation and “” quotes, in simplified characters (see the module docstring)."""
    line = line.translate(_QUOTES).translate(_FULL_WIDTH_ALNUM)
    line = re.sub(r'"([^"\n]*)"', r"“\1”", line)
    line = re.sub(r"\.{3,}|。{3,}|…+", "……", line)
    line = re.sub(f"(?<={_CJK})([,.!?:;])|([,.!?:;])(?={_CJK})",
                  lambda match: _HALF_WIDTH[match.group(1) or match.group(2)], line)
    return to_simplified(line) if simplify else line


def normalize(text: str) -> str:
    """`text` normalized line by line (line numbers stay). OpenCC, the slow part, runs only when a
    sample of the text has traditional characters."""
    simplify = traditional_share(text[:SAMPLE]) > 0
    return "\n".join(normalize_line(line, simplify) for line in text.split("\n"))


def sentences(text: str) -> list[Sentence]:
    """The sentences of normalized prose, headings and scene breaks left out."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if _HEADING.match(line) or _SCENE_BREAK.match(line):
            continue
        for match in _SENTENCE.finditer(_MARKUP.sub("", line)):
            if count_words(match.group()):
                found.append(Sentence(match.group().strip(), number))
    return found


@lru_cache(maxsize=1)
def listed_phrases() -> tuple[str, ...]:
    """The built-in Chinese stock phrases, in the file's order."""
    lines = STOCK_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(line.strip() for line in lines if line.strip() and not line.startswith("#")))


def stock_phrases() -> tuple[str, ...]:
    """The stock phrases longest first (so that a longer one is counted, not its parts)."""
    return tuple(sorted(listed_phrases(), key=len, reverse=True))


def phrases_to_avoid(language: str) -> tuple[str, ...]:
    """The built-in stock phrases a model writing in `language` is told to avoid (Chinese only)."""
    return listed_phrases() if primary(language) == "zh" else ()


@lru_cache(maxsize=1)
def _stock_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, stock_phrases())))


def stock_hits(text: str) -> list[tuple[str, int]]:
    """(phrase, line) of each built-in stock phrase in normalized text; overlapping ones count once."""
    return [(match.group(), number) for number, line in enumerate(text.split("\n"), start=1)
            for match in _stock_pattern().finditer(line)]


def slop_parts(text: str, hits: list | None = None) -> dict[str, float]:
    """The rates per 1,000 characters behind the slop index, of normalized text."""
    size = count_words(text) or 1
    hits = stock_hits(text) if hits is None else hits
    return {"stock": len(hits) * 1000 / size,
            "words": sum(text.count(word) for word in FLAVOUR_WORDS) * 1000 / size,
            "contrast": len(CONTRAST.findall(text)) * 1000 / size,
            "similes": sum(text.count(word) for word in SIMILES) * 1000 / size}


def slop_index(parts: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * value for name, value in parts.items())


def index_parts(parts: dict[str, float]) -> SlopParts:
    """The slop index's parts in points, in the shape of the English index's (similes are over-used words too)."""
    return SlopParts(over_used_words=WEIGHTS["words"] * parts["words"] + WEIGHTS["similes"] * parts["similes"],
                     contrasts=WEIGHTS["contrast"] * parts["contrast"], stock_phrases=WEIGHTS["stock"] * parts["stock"])


def _core(sentence: str) -> str:
    """A sentence's characters without punctuation or spaces."""
    return _PUNCTUATION.sub("", sentence)


def repeated_openers(found: list[Sentence]) -> list[Finding]:
    """Openers of `OPENER_CHARS` characters that start three or more sentences, and more than one in
    `OPENER_SHARE` of them."""
    groups: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in found:
        core = _core(sentence.text)
        if len(core) >= OPENER_CHARS + 2:
            groups[core[:OPENER_CHARS]].append(sentence)
    floor = max(MIN_REPEATS, int(len(found) * OPENER_SHARE) + 1)
    return [("opener", group[0].line, key, f'{len(group)} sentences open with "{key}" ({_lines(group)})',
             tuple(s.line for s in group)) for key, group in groups.items() if len(group) >= floor]


def repeated_phrases(found: list[Sentence]) -> list[Finding]:
    """Runs of `PHRASE_CHARS` characters, inside one clause, three or more times; overlapping runs once."""
    where: dict[str, list[int]] = defaultdict(list)
    for sentence in found:
        for clause in re.split(r"[^\w]+", sentence.text):
            for start in range(len(clause) - PHRASE_CHARS + 1):
                where[clause[start:start + PHRASE_CHARS]].append(sentence.line)
    findings, seen = [], ""
    for gram, lines in sorted(where.items(), key=lambda item: item[1][0]):
        if len(lines) < MIN_REPEATS:
            continue
        overlaps, seen = gram[:-1] in seen, seen + gram + "|"  # a run longer than PHRASE_CHARS is one finding
        if not overlaps:
            findings.append(("repeated_phrase", lines[0], gram, f'"{gram}" {len(lines)} times ({_lines(lines)})',
                             tuple(lines)))
    return findings


def _lines(items: list) -> str:
    lines = [item.line if isinstance(item, Sentence) else item for item in items]
    return ("line " if len(set(lines)) == 1 else "lines ") + ", ".join(str(n) for n in dict.fromkeys(lines))


def markers(parts: dict[str, float], size: int) -> int:
    """How many stock phrases, AI-flavour words and contrasts the rates stand for."""
    return round((parts["stock"] + parts["words"] + parts["contrast"]) * size / 1000)


def flavour(parts: dict[str, float], index: float, hits: list[tuple[str, int]], size: int) -> list[Finding]:
    """An AI-flavour finding when the slop index reaches the threshold on enough evidence (`MIN_MARKERS`),
    naming the commonest stock phrases."""
    if index < SLOP_THRESHOLD or markers(parts, size) < MIN_MARKERS:
        return []
    common = sorted(Counter(phrase for phrase, _ in hits).items(), key=lambda item: -item[1])[:5]
    named = f" ({', '.join(f'{phrase} ×{count}' for phrase, count in common)})" if common else ""
    return [("slop_index", hits[0][1] if hits else 0, "", f"AI flavour (AI味): slop index {index:.1f} (flagged from "
             f"{SLOP_THRESHOLD}); per 1,000 字: {parts['stock']:.1f} stock phrases{named}, {parts['words']:.1f} "
             f"AI-flavour words, {parts['contrast']:.1f} 不是……而是, {parts['similes']:.1f} similes", ())]


def length(size: int, target: int | None) -> list[Finding]:
    """A finding when the chapter is more than `TARGET_TOLERANCE` short of its target or over it."""
    if not target or abs(size - target) <= target * TARGET_TOLERANCE:
        return []
    return [("length", 0, "", f"{size:,}字 against a target of {target:,} ({size / target:.0%})", ())]


def check(text: str, target: int | None, extra: list[tuple[str, int]]) -> Report:
    """Every check of one chapter; `extra`: (phrase, line) of the project's own banned phrases found."""
    normal = normalize(text)
    found = sentences(normal)
    lengths = [count_words(s.text) for s in found] or [0]
    hits = stock_hits(normal)
    parts = slop_parts(normal, hits)
    index, size = slop_index(parts), count_words(text)
    findings = [("stock_phrase", line, phrase, f'stock phrase "{phrase}"', ()) for phrase, line in extra]
    findings += repeated_openers(found) + repeated_phrases(found) + flavour(parts, index, hits, size) + length(size, target)
    figures = {"words": size, "target": target, "sentences": len(found), "mean_length": statistics.fmean(lengths),
               "spread": statistics.pstdev(lengths), "stock_per_1000": len(extra) * 1000 / size if size else 0.0}
    return Report(figures, sorted(findings, key=lambda f: f[1]), parts, index)
