"""Calibrate the Chinese style checks on ../shared/corpus/zh: human chapters against AI-written ones.

For every chapter: its slop index and the parts of it (rates per 1,000 字), whether lint flags its
AI flavour, and how many opener and repeated-phrase warnings it gets. Then, per side, how many
chapters are flagged, and the AUC (the chance that an AI chapter scores above a human one) of the
slop index, of each part alone, and of a plain rate of 18 common AI-flavour words (the baseline).
A second run with every chapter converted to traditional characters, 「」 quotes and half-width
punctuation shows that the normalization keeps the verdicts.

    python bench/zh_calibration.py [--corpus ../shared/corpus/zh] [--per-file]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimi_writer.guard import zh  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the repository (a checkout, CI), else the workplace's shared folder (a worktree).
DEFAULT_CORPUS = next((folder for folder in (REPO.parent / "shared/corpus/zh", Path("/work/shared/corpus/zh"))
                       if folder.is_dir()), REPO.parent / "shared/corpus/zh")
BASELINE = zh.FLAVOUR_WORDS  # 18 words; a rate of them alone is the baseline the index must beat


def auc(human: list[float], ai: list[float]) -> float:
    """The chance that an AI chapter scores above a human one (ties count half)."""
    pairs = [(1.0 if a > h else 0.5 if a == h else 0.0) for a in ai for h in human]
    return sum(pairs) / len(pairs)


def body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 1)[1]


def disguised(text: str) -> str:
    """The same chapter in traditional characters, 「」 quotes and half-width punctuation."""
    from opencc import OpenCC

    text = OpenCC("s2t").convert(text).replace("“", "「").replace("”", "」")
    return text.translate(str.maketrans({"，": ",", "。": ".", "！": "!", "？": "?", "：": ":", "；": ";"}))


def measure(text: str) -> dict:
    report = zh.check(text, None, [])
    normal = zh.normalize(text)
    kinds = [finding[0] for finding in report.findings]
    size = zh.count_words(normal) or 1
    return {"index": report.slop_index, **report.slop_parts, "flagged": "slop_index" in kinds,
            "openers": kinds.count("opener"), "repeats": kinds.count("repeated_phrase"),
            "baseline": sum(normal.count(word) for word in BASELINE) * 1000 / size}


def table(corpus: Path, transform=lambda text: text, per_file: bool = False) -> dict[str, list[dict]]:
    sides = {side: [{"file": f"{path.parent.name}/{path.name}", **measure(transform(body(path)))}
                     for path in sorted((corpus / side).glob("*/*.md"))] for side in ("human", "ai")}
    for side, rows in sides.items():
        for row in rows if per_file else []:
            print(f"{side:5} {row['file']:48} index {row['index']:5.2f}  stock {row['stock']:4.2f}  words "
                  f"{row['words']:4.2f}  contrast {row['contrast']:4.2f}  similes {row['similes']:4.2f}  "
                  f"{'FLAGGED' if row['flagged'] else '-':7} openers {row['openers']} repeats {row['repeats']}")
    return sides


def summary(title: str, sides: dict[str, list[dict]]) -> None:
    human, ai = sides["human"], sides["ai"]
    print(f"\n{title}")
    print("| measure | AUC | human median | AI median |\n|---|---|---|---|")
    for key in ("index", "stock", "words", "contrast", "similes", "baseline"):
        h, a = sorted(r[key] for r in human), sorted(r[key] for r in ai)
        name = "slop index" if key == "index" else "baseline: 18 AI-flavour words" if key == "baseline" else key
        print(f"| {name} | {auc(h, a):.3f} | {h[len(h) // 2]:.2f} | {a[len(a) // 2]:.2f} |")
    for side, rows in sides.items():
        flagged = sum(row["flagged"] for row in rows)
        print(f"{side}: {flagged} of {len(rows)} chapters flagged ({flagged / len(rows):.0%}); opener warnings "
              f"{sum(r['openers'] for r in rows)}, repeated-phrase warnings {sum(r['repeats'] for r in rows)}; "
              f"index {min(r['index'] for r in rows):.2f} to {max(r['index'] for r in rows):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--per-file", action="store_true")
    args = parser.parse_args()
    if not (args.corpus / "human").is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    print(f"slop index = {' + '.join(f'{w} x {k}' for k, w in zh.WEIGHTS.items())} (per 1,000 字); "
          f"flagged from {zh.SLOP_THRESHOLD}")
    summary("As written", table(args.corpus, per_file=args.per_file))
    summary("Disguised: traditional characters, 「」 quotes, half-width punctuation", table(args.corpus, disguised))


if __name__ == "__main__":
    main()
