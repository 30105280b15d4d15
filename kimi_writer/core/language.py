"""A book's language: its BCP 47 tag, how its length is counted and named, and detecting it from text.

Chinese, Japanese and Korean are counted as 字数: each Han, kana or Hangul character is one, and a
run of Latin letters or digits is one word. Other languages are counted in words (runs of
non-space), exactly as before. Detection looks at the script first (Han, kana, Hangul: no model
needed, and traditional Chinese told from simplified by OpenCC); other text goes to py3langid,
whose model ships inside the package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from ..settings import language_tag
from .prompts import render

Unit = Literal["chars", "words"]
DEFAULT_LANGUAGE = "en"
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_CJK_CHAR = re.compile(f"[{_HAN}{_KANA}{_HANGUL}]")
_HAN_CHAR = re.compile(f"[{_HAN}]")
_KANA_CHAR = re.compile(f"[{_KANA}]")
_HANGUL_CHAR = re.compile(f"[{_HANGUL}]")
_ALPHANUMERIC = re.compile(r"[^\W_]")
_ENGLISH_SIEVE = frozenset("""a an the and of in on at to for with about from by is are was were be that this
it its his her their who set story book novel chapter chapters write tale mystery""".split())
CJK_SHARE = 0.3  # of the letters: above it, the text is Chinese, Japanese or Korean
TRADITIONAL_SHARE = 0.04  # of the Han characters that OpenCC changes to simplified: above it, zh-Hant
SAMPLE = 4000  # characters of a long text looked at


class LanguageTagError(ValueError):
    """A --language value that is not a BCP 47 tag."""


def normalize_tag(tag: str) -> str:
    """`tag` in its usual case (zh-Hant, pt-BR, en); LanguageTagError when it is not a tag."""
    try:
        return language_tag(tag)
    except ValueError as error:
        raise LanguageTagError(str(error)) from None


def primary(language: str) -> str:
    """The language subtag: `zh` of zh-Hant."""
    return language.split("-")[0].lower()


def is_cjk(language: str) -> bool:
    return primary(language) in CJK_LANGUAGES


def unit(language: str) -> Unit:
    """How a book in `language` is counted: "chars" (字数) or "words"."""
    return "chars" if is_cjk(language) else "words"


def amount(count: int, language: str) -> str:
    """A count with its unit as the console shows it: "3,254字", "3,254 chars", "3,254 words"
    (the plural always, as the English console has always said it)."""
    return f"{count:,}{suffix(language)}"


def suffix(language: str) -> str:
    """What follows a number to name its unit: "字", " chars" or " words"."""
    return "字" if primary(language) == "zh" else f" {unit(language)}"


def of_target(count: int, target: int | None, language: str) -> str:
    """ "3,254 of 3,000字", "3,254 of 3,000 words", or "3,254 words" without a target."""
    return f"{count:,} of {target:,}{suffix(language)}" if target else f"{count:,}{suffix(language)}"


def unit_name(language: str) -> str:
    """The unit alone, as a column or a sentence names it: 字, chars or words."""
    return "字" if primary(language) == "zh" else unit(language)


_NAMES = {"zh": "Chinese", "zh-Hans": "Chinese (simplified characters)", "zh-Hant": "Chinese (traditional characters)",
          "ja": "Japanese", "ko": "Korean", "en": "English", "fr": "French", "de": "German", "es": "Spanish",
          "it": "Italian", "pt": "Portuguese", "ru": "Russian", "nl": "Dutch", "pl": "Polish", "tr": "Turkish"}


def language_name(language: str) -> str:
    """The language's English name ("Chinese (traditional characters)"), or its tag when unknown."""
    return _NAMES.get(language) or _NAMES.get(primary(language)) or language


def is_english(language: str) -> bool:
    return primary(language) == "en"


def language_rules(language: str, avoid: tuple[str, ...] = ()) -> str:
    """What a model is told about the book's language (and the stock phrases of that language to
    `avoid`): nothing for English, whose prompts stay as they are."""
    if is_english(language):
        return ""
    return render("language_rules.md.j2", name=language_name(language), tag=language, chars=is_cjk(language),
                  avoid=avoid)


def with_language(system_text: str, language: str, avoid: tuple[str, ...] = ()) -> str:
    """A system prompt with the book's language rules after it (unchanged for English)."""
    rules = language_rules(language, avoid)
    return f"{system_text}\n\n{rules}" if rules else system_text


def count_words(text: str) -> int:
    """The length of `text`: its words, and in CJK text each Han, kana or Hangul character as one
    plus each run of Latin letters or digits (punctuation is not counted)."""
    cjk = len(_CJK_CHAR.findall(text))
    if not cjk:
        return len(text.split())
    rest = _CJK_CHAR.sub(" ", text)
    return cjk + sum(1 for token in rest.split() if _ALPHANUMERIC.search(token))


def script_language(text: str) -> str | None:
    """zh, zh-Hant, ja or ko when CJK characters are most of `text`'s letters; else None."""
    letters = sum(1 for char in text if char.isalpha())
    cjk = len(_CJK_CHAR.findall(text))
    if not letters or cjk < CJK_SHARE * letters:
        return None
    kana, hangul = len(_KANA_CHAR.findall(text)), len(_HANGUL_CHAR.findall(text))
    if hangul > kana and hangul >= 0.3 * cjk:
        return "ko"
    if kana >= 0.05 * cjk:
        return "ja"
    return "zh-Hant" if traditional_share(text) > TRADITIONAL_SHARE else "zh"


def traditional_share(text: str) -> float:
    """The share of the Han characters that OpenCC writes differently in simplified Chinese."""
    han = _HAN_CHAR.findall(text)
    if not han:
        return 0.0
    original = "".join(han)
    converted = to_simplified(original)
    changed = sum(1 for a, b in zip(original, converted) if a != b) if len(converted) == len(original) else 0
    return changed / len(han)


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC  # pure Python with its dictionaries; loaded on first use

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` with traditional Chinese characters written as simplified ones (OpenCC t2s)."""
    return _converter().convert(text)


def _looks_english(text: str) -> bool:
    """ASCII letters with common English words: English without loading the model (a quick sieve)."""
    if not all(char.isascii() for char in text if char.isalpha()):
        return False
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and sum(word in _ENGLISH_SIEVE for word in words) >= max(1, 0.15 * len(words))


# The languages py3langid chooses among: those books are commonly written in (a smaller set is surer).
CANDIDATES = "en fr de es it pt nl ru pl tr sv da no fi cs uk el he ar hi id vi th hu ro zh ja ko".split()
MIN_CONFIDENCE = 0.5  # below it (a one-word prompt, a name), the default language stands


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # its model ships in the package

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(CANDIDATES)
    return identifier


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """The language `text` is written in, as a tag; `default` when it has no letters to tell by."""
    sample = text[:SAMPLE]
    if not any(char.isalpha() for char in sample):
        return default
    by_script = script_language(sample)
    if by_script is not None:
        return by_script
    if _looks_english(sample):
        return "en"
    try:
        found, confidence = _identifier().classify(sample)
    except OSError:  # the model unpacks into a temporary file: a full disk or a file-size limit
        return default
    return str(found) if confidence >= MIN_CONFIDENCE else default
