"""The new user's flow of issue 15 against the demo server (`python -m tests.demo_server --gothic`):
write a 5-chapter book with `--review auto`, then `review`, `revise --below 8` and `status`."""

from __future__ import annotations

import json

from tests.demo_server import GOTHIC_FACTS, gothic_chapter, gothic_responder, gothic_turns

BOOK = "The_House_at_Marrow_Fen"
CHAPTERS = [f"chapter_{n:02d}.md" for n in range(1, 6)]
SLOW = 300  # seconds: four CLI runs on a shared machine


def overall(book, name: str) -> float:
    return json.loads((book / ".kimi_writer/reviews" / name.replace(".md", ".json")).read_text())["overall"]


def test_a_new_user_writes_reviews_revises_and_sees_scores(server, run_cli, tmp_path):
    server.responder = gothic_responder()
    server.add(*gothic_turns(0.0))
    book = tmp_path / "projects" / BOOK

    write = run_cli("write", "A 5-chapter gothic mystery", "--review", "auto", timeout=SLOW)
    assert write.returncode == 0, write.stdout + write.stderr
    assert sorted(p.name for p in book.glob("chapter_*.md")) == CHAPTERS
    assert [overall(book, name) for name in CHAPTERS] == [8.22, 7.56, 7.22, 8.0, 7.11]
    # the critic found a continuity slip in chapter 2; the planner read it and rewrote the chapter
    assert (book / "chapter_02.md").read_text() == gothic_chapter(2, 1)
    assert server.remaining == 0

    review = run_cli("review", BOOK, timeout=SLOW)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "5 of 5 chapters reviewed" in review.stdout
    assert sorted(p.name for p in (book / ".kimi_writer/reviews").glob("*.json")) == [
        name.replace(".md", ".json") for name in CHAPTERS]
    table = (book / "review.md").read_text()
    assert all(f"| {name} |" in table for name in CHAPTERS)
    ledger = (book / "continuity.md").read_text()
    assert all(f"- {fact}\n" in ledger for facts in GOTHIC_FACTS for _, fact in facts)

    revise = run_cli("revise", BOOK, "--below", "8", timeout=SLOW)
    assert revise.returncode == 0, revise.stdout + revise.stderr
    assert (book / "chapter_02.md").read_text() == gothic_chapter(2, 2)  # 7.6 -> 8.3 kept, 8.1 a plateau
    assert (book / "chapter_03.md").read_text() == gothic_chapter(3, 0)  # 7.2 -> 7.0 reverted
    assert (book / "chapter_05.md").read_text() == gothic_chapter(5, 1)  # 7.1 -> 8.1 kept, 7.9 a plateau
    versions = book / ".kimi_writer/versions"
    assert sorted(p.name for p in versions.iterdir()) == ["chapter_02", "chapter_03", "chapter_05"]
    assert len(list((versions / "chapter_02").glob("*.md"))) == 3
    assert len(list((versions / "chapter_03").glob("*.md"))) == 2
    assert [overall(book, name) for name in CHAPTERS] == [8.22, 8.33, 7.22, 8.0, 8.11]

    status = run_cli("status", BOOK, timeout=SLOW)
    assert status.returncode == 0, status.stderr
    assert "┃ score ┃" in status.stdout
    rows = {line.split("│")[3].strip(): line.split("│")[6].strip()
            for line in status.stdout.splitlines() if line.count("│") > 6}
    assert rows == dict(zip(CHAPTERS, ["8.2", "8.3", "7.2", "8.0", "8.1"]))
    assert server.violations == []
