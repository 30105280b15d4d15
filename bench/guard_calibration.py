"""The guard measured on the calibration corpus: false alarms on human chapters, warnings on AI
chapters, and how well the slop index separates them (AUC) and ranks the 43 models like EQ-Bench's
slop score (Spearman, 2025-05 table). Then the same with the word lists derived on half the models
and authors (tools/build_slop_lists.py --half) and measured on the other half, the honest figure for
prose the lists have not seen.

    KIMI_WRITER_CORPUS=../shared/corpus python bench/guard_calibration.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimi_writer.guard.language import ENGLISH  # noqa: E402
from tests.calibration import Figures, check  # noqa: E402
from tests.corpus import corpus_dir, eqbench_slop, halves, load, load_extra  # noqa: E402
from tools.build_slop_lists import derive  # noqa: E402

CHECKS = ("slop_index", "stock_phrase", "opener", "repeated_phrase", "recurring_phrase", "uniform_sentences")


def _share(part: float) -> str:
    return f"{part:.0%}"


def table(figures: Figures) -> list[str]:
    human, ai = figures.by_check(True), figures.by_check(False)
    count = {True: len(figures.chapters(True)), False: len(figures.chapters(False))}
    rows = ["| | human chapters | AI chapters |", "| --- | ---: | ---: |",
            f"| chapters | {count[True]} | {count[False]} |",
            f"| `lint` warns (at least one finding) | {_share(figures.warned(True))} | {_share(figures.warned(False))} |",
            f"| `lint --strict` exits 1 (chapters) | {_share(figures.warned(True))} | {_share(figures.warned(False))} |",
            f"| books where `lint` exits 1 | {figures.failed_books(True)} of {len(figures.human)} | "
            f"{figures.failed_books(False)} of {len(figures.ai)} |"]
    rows += [f"| flagged by `{kind}` | {_share(human[kind] / count[True])} | {_share(ai[kind] / count[False])} |"
             for kind in CHECKS]
    rows += [f"| slop index, median | {_median(figures, True):.1f} | {_median(figures, False):.1f} |",
             f"| slop index, highest human / lowest AI | {_extreme(figures, True):.1f} | {_extreme(figures, False):.1f} |"]
    return rows


def _median(figures: Figures, human: bool) -> float:
    values = sorted(r.slop_index for r in figures.chapters(human))
    return values[len(values) // 2]


def _extreme(figures: Figures, human: bool) -> float:
    values = [r.slop_index for r in figures.chapters(human)]
    return max(values) if human else min(values)


def held_out(root: Path) -> Figures:
    """Lists derived on half the books, the checks run on the other half."""
    ai, human = load(root)
    (ai_fit, ai_test), (human_fit, human_test) = halves(ai), halves(human)
    words, trigrams = derive(ai_fit, human_fit)
    folder = Path(tempfile.mkdtemp())
    (folder / "words.txt").write_text("\n".join(words), encoding="utf-8")
    (folder / "trigrams.txt").write_text("\n".join(trigrams), encoding="utf-8")
    language = replace(ENGLISH, words_file=str(folder / "words.txt"), trigrams_file=str(folder / "trigrams.txt"))
    return Figures(check(human_test, language), check(ai_test, language), eqbench_slop(root))


def main() -> None:
    root = corpus_dir()
    if root is None:
        sys.exit("No corpus: set KIMI_WRITER_CORPUS to the calibration corpus folder.")
    start = time.perf_counter()
    ai, human = load(root)
    figures = Figures(check(human), check(ai), eqbench_slop(root))
    elapsed = time.perf_counter() - start
    print("\n".join(table(figures)))
    print(f"\nslop index, AI against human chapters: AUC {figures.auc():.3f}")
    print(f"slop index per model against EQ-Bench's slop score (2025-05, {len(figures.ai)} models): "
          f"Spearman {figures.spearman():.2f}")
    print(f"({sum(r.words for r in figures.chapters(True) + figures.chapters(False)):,} words checked in {elapsed:.1f} s)")
    test = held_out(root)
    print(f"\nheld out (lists derived on {len(ai) - len(test.ai)} models and {len(human) - len(test.human)} authors, "
          f"measured on the other {len(test.ai)} and {len(test.human)}):")
    print("\n".join(table(test)))
    print(f"\nAUC {test.auc():.3f}; Spearman {test.spearman():.2f} over {len(test.ai)} models")
    print("\nai_extra/ (never used to derive or set anything): mean slop index per run, beside the Gemma 3 bases")
    bases = {name: reports for name, reports in figures.ai.items() if name.startswith("gemma-3")}
    for name, reports in sorted((check(load_extra(root)) | bases).items()):
        print(f"  {name:36s} {statistics.fmean(r.slop_index for r in reports):5.1f}")


if __name__ == "__main__":
    main()
