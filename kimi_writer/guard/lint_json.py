"""The shape of `kimi-writer lint --json` (a pydantic model; its JSON Schema is docs/schema/lint.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .checks import ChapterChecks


class LintFinding(BaseModel):
    check: str = Field(description="which check: stock_phrase, banned_phrase, slop_index, opener, "
                                   "repeated_phrase, recurring_phrase, uniform_sentences, length")
    line: int = Field(description="1-based line; 0 for the whole chapter")
    message: str
    quote: str
    severity: Literal["warning", "error"]


class SlopPartsModel(BaseModel):
    """The slop index's parts, in points (they add up to the index)."""

    over_used_words: float
    over_used_trigrams: float
    contrasts: float
    openers: float
    repetition: float
    rhythm: float
    stock_phrases: float


class LintChapter(BaseModel):
    file: str
    words: int = Field(description="the chapter's length in the report's `unit`")
    slop_index: float = Field(description="0 when no habit was found, higher for more; habits, not quality")
    slop_parts: SlopPartsModel
    findings: list[LintFinding]


class LintReport(BaseModel):
    project: str
    unit: Literal["words", "chars"] = Field("words", description="how `words` counts: words, or characters "
                                            "(字) for a book in Chinese, Japanese or Korean")
    chapters: list[LintChapter]
    errors: int = Field(description="findings of severity error (a project's own banned phrases)")
    warnings: int
    exit_code: int = Field(description="0, or 1 on an error (with --strict: on any finding)")


def lint_report(project: str, checked: list[ChapterChecks], strict: bool,
                unit: Literal["words", "chars"] = "words") -> LintReport:
    """The report of one lint run (`unit`: the book's, core/language.py)."""
    chapters = [LintChapter(file=report.name, words=report.words, slop_index=report.slop_index,
                            slop_parts=SlopPartsModel(**report.slop.as_dict()),
                            findings=[LintFinding(check=f.kind, line=f.line, message=f.message, quote=f.quote,
                                                  severity=f.severity) for f in report.findings])
                for report in checked]
    errors = sum(report.errors for report in checked)
    warnings = sum(len(report.findings) for report in checked) - errors
    return LintReport(project=project, unit=unit, chapters=chapters, errors=errors, warnings=warnings,
                      exit_code=int(bool(errors or (strict and warnings))))
