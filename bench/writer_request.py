"""Writer request size: prompt tokens per chapter without the outline (main before issue 17) and with it.

Builds the writer request of every chapter of two outlines, as `kimi-writer draft` does from
scratch (each brief is the chapter's outline entry; no chapter is written yet), and counts its
prompt tokens with the offline tokenizer (kimi_writer.core.tokens):
- the 12-chapter outline of bench/parallel_drafting.py;
- a 60-chapter outline with ~45-word synopses, some naming earlier chapters.
"Before" renders the same request without the outline section, which is main's request before
issue 17 word for word.

    python bench/writer_request.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimi_writer.loop import writer  # noqa: E402
from kimi_writer.book.outline import load_outline  # noqa: E402
from kimi_writer.book.project import Project  # noqa: E402
from kimi_writer.core.prompts import render  # noqa: E402
from kimi_writer.core.tokens import count_text, estimate_message  # noqa: E402


def drafting_bench_outline(chapters: int = 12) -> str:
    """The outline bench/parallel_drafting.py drafts."""
    return "# Bench\n\n" + "".join(f"{n}. **Part {n}** — Hale waits for the tide.\n" for n in range(1, chapters + 1))


def long_outline(chapters: int = 60) -> str:
    lines = []
    for n in range(1, chapters + 1):
        echo = f" The clue from chapter {n - 7} comes back to haunt him." if n > 7 and n % 4 == 0 else ""
        lines.append(f"{n}. **The Tide Turns, Part {n}** — Inspector Hale follows the lead of night {n} "
                     f"along the estuary, where the gulls circle the wreck of the Margaret, the customs men "
                     f"look the other way and the fog hides the smugglers' lanterns until dawn.{echo} (~3,000 words)\n")
    return "# The Estuary\n\n" + "".join(lines)


def request_tokens(project: Project, name: str, brief: str, with_outline: bool) -> int:
    messages = writer.writer_messages(project, name, brief, None)
    if not with_outline:
        outline = writer.outline_context(project, name)
        messages[1] = messages[1].model_copy(update={"content": messages[1].content.replace("\n\n" + outline, "")})
    return sum(estimate_message(m) for m in messages)


def measure(outline: str) -> dict[str, list[int]]:
    """Per chapter: prompt tokens before and after, and the outline section's tokens."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp))
        (project.root / "outline.md").write_text(outline)
        figures: dict[str, list[int]] = {"before": [], "after": [], "outline": []}
        for entry in load_outline(project):
            name = f"chapter_{entry.number:02d}.md"
            brief = render("outline_brief.md.j2", number=entry.number, title=entry.title, synopsis=entry.synopsis)
            figures["before"].append(request_tokens(project, name, brief, False))
            figures["after"].append(request_tokens(project, name, brief, True))
            figures["outline"].append(count_text(writer.outline_context(project, name)))
        return figures


def main() -> None:
    print(f"{'outline':<22} {'before':>7} {'after':>7} {'after max':>9} {'outline max':>11} {'whole outline':>13}")
    for label, outline in (("12 chapters (bench)", drafting_bench_outline()), ("60 chapters", long_outline())):
        figures = measure(outline)
        before, after = statistics.mean(figures["before"]), statistics.mean(figures["after"])
        print(f"{label:<22} {before:>7.0f} {after:>7.0f} {max(figures['after']):>9} "
              f"{max(figures['outline']):>11} {count_text(outline):>13}")
    print(f"(mean prompt tokens per writer request; budget {writer.OUTLINE_BUDGET_TOKENS:,} tokens for the outline)")


if __name__ == "__main__":
    main()
