"""What the guard needs to know about a language: how to cut words, its function words, its
"not X, but Y" shapes, and its word lists (package data under `kimi_writer/data/`).

English is built here, and Chinese (with Japanese), whose chapters are checked by characters in
zh.py. Another language adds a `Language` to `LANGUAGES` with its own tokenizer, patterns and list
files; the checks and the slop index take it as a parameter. A book's language tag and how it is
counted come from core/language.py; `checked_as` maps the tag to the guard's `Language`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core.language import primary

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Language:
    """A language's tokenizer, function words, contrast patterns and list files."""

    code: str
    word: re.Pattern[str]  # one word as written
    function_words: frozenset[str]
    contrasts: tuple[re.Pattern[str], ...]  # "not X, but Y" and its kin
    words_file: str  # over-used words, one per line (# comments)
    trigrams_file: str  # over-used trigrams, one per line

    def words(self, text: str) -> list[str]:
        """The words of `text`, lower case, ’ as '."""
        return [normal(word) for word in self.word.findall(text)]


def normal(word: str) -> str:
    return word.lower().replace("’", "'")


def read_list(path: Path) -> frozenset[str]:
    """The entries of a list file: one per line, `#` starts a comment line."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=8)
def over_used(language: Language) -> tuple[frozenset[str], frozenset[str]]:
    """The language's over-used words and trigrams (trigrams as "w1 w2 w3")."""
    return read_list(DATA / language.words_file), read_list(DATA / language.trigrams_file)


_NEGATED = (r"(?:was|is|were|are|was not|is not|were not|are not|wasn[’']t|isn[’']t|weren[’']t|aren[’']t|"
            r"did not|didn[’']t|does not|doesn[’']t)")
ENGLISH = Language(
    code="en",
    word=re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?"),
    function_words=frozenset("""
a an the and but or nor so yet for of in on at to from by with without within into onto upon about above
below over under after before behind beside between through across against along around off out up down
as than then that this these those there here where when while if because though although until since
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself we us our
ours ourselves they them their theirs themselves one who whom whose which what
is am are was were be been being do does did done have has had having will would shall should can could
may might must not no nor just only very too also even still again ever never all any both each every
few more most other some such own same back away now how why s t don't didn't wasn't weren't isn't
it's i'm he'd she'd they'd i'd he's she's that's there's couldn't wouldn't hadn't hasn't
""".split()),
    contrasts=(
        # "not X, but Y", "not just X but Y", "not because X, but because Y"
        re.compile(r"\bnot\s+(?:just\s+|only\s+|merely\s+|simply\s+|because\s+)?[^.!?;:\n]{1,50}?,?\s+but\s+",
                   re.IGNORECASE),
        # "It wasn't X. It was Y." / "He didn't X; he Y-ed" (same subject twice)
        re.compile(r"\b(it|this|that|he|she|they|we|you|i)\s+" + _NEGATED + r"\s+(?:just\s+|only\s+|merely\s+)?"
                   r"[^.!?;\n]{1,60}?[.;!—–]\s+[*_]?(\1)\s+(?:was|is|were|are|did|does)\b", re.IGNORECASE),
        # "..., not a threat." / "more than just"
        re.compile(r",\s+not\s+(?:a|an|the)\s+\w+[.!?]", re.IGNORECASE),
        re.compile(r"\b(?:more|less) than (?:just|a mere|merely)\b", re.IGNORECASE),
    ),
    words_file="slop_words_en.txt",
    trigrams_file="slop_trigrams_en.txt",
)
CHINESE = Language(
    code="zh",
    word=re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|[^\W_]+"),  # a character, or a Latin run
    function_words=frozenset(),
    contrasts=(re.compile(r"不是[^。！？\n]{1,25}?[，,]\s*(?:而|就|只|也)?是|不是[^。！？\n]{1,25}?[。！？]”?\s*(?:而)?是"
                          r"|与其说[^。！？\n]{1,25}?不如说"),),  # 不是……而是……, 与其说……不如说
    words_file="",  # its over-used words and stock phrases are zh.py's
    trigrams_file="",
)
LANGUAGES = {ENGLISH.code: ENGLISH, CHINESE.code: CHINESE}
BY_CHARACTERS = frozenset({"zh", "ja"})  # languages whose prose zh.py checks (Japanese shares its script)


def checked_as(tag: str) -> Language:
    """The guard's language for a book in `tag` (a BCP 47 tag): Chinese and Japanese by characters, else English."""
    return CHINESE if primary(tag) in BY_CHARACTERS else ENGLISH
