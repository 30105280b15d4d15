"""The calibration corpus (`../shared/corpus/` beside the repository, or `$KIMI_WRITER_CORPUS`):
AI novellas of the EQ-Bench longform benchmark and public-domain human chapters. Read in place,
never copied into the repository. Used by the calibration test, bench/ and tools/."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEADERBOARD = "2025-05"  # the table contemporaneous with the novellas (see the corpus README)


def corpus_dir() -> Path | None:
    """Where the corpus is, or None when it is absent."""
    env = os.environ.get("KIMI_WRITER_CORPUS")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return path if (path / "ai").is_dir() and (path / "human").is_dir() else None


@dataclass(frozen=True)
class Book:
    """One model's novella or one author's chapters: (file name, text) in order."""

    name: str
    human: bool
    chapters: tuple[tuple[str, str], ...]


def _books(root: Path, human: bool) -> list[Book]:
    return [Book(folder.name, human, tuple((path.name, path.read_text(encoding="utf-8"))
                                           for path in sorted(folder.glob("chapter_*.md"))))
            for folder in sorted(root.iterdir()) if folder.is_dir()]


@lru_cache(maxsize=2)
def load(root: Path) -> tuple[list[Book], list[Book]]:
    """(AI books, human books) of the corpus at `root`."""
    return _books(root / "ai", False), _books(root / "human", True)


def load_extra(root: Path) -> list[Book]:
    """The runs kept apart in ai_extra/ (anti-slop fine-tunes of Gemma 3, extra Llama-4 runs)."""
    return _books(root / "ai_extra", False) if (root / "ai_extra").is_dir() else []


def eqbench_slop(root: Path) -> dict[str, float]:
    """EQ-Bench's slop score of each AI folder, from the 2025-05 leaderboard table."""
    with open(root / "ai" / "model_map.csv", encoding="utf-8") as handle:
        names = {row["folder"].split("/")[-1]: row["eqbench_model_name"] for row in csv.DictReader(handle)}
    with open(root / "ai" / "eqbench_longform_scores.csv", encoding="utf-8") as handle:
        scores = {row["model_name_clean"]: float(row["slop_score"]) for row in csv.DictReader(handle)
                  if row["leaderboard_version"] == LEADERBOARD}
    return {folder: scores[name] for folder, name in names.items() if name in scores}


def halves(books: list[Book]) -> tuple[list[Book], list[Book]]:
    """Every other book (by name) for deriving lists, the rest for checking them."""
    ordered = sorted(books, key=lambda book: book.name)
    return ordered[0::2], ordered[1::2]
