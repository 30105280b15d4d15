"""Hardening: a budget stop in mid-stream in review or revise exits 5 and counts the cut stream (issue 28, part 4)."""

from __future__ import annotations

import re

from tests.sample_book import write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_review import SCORES

LONG = "word " * 4_000


def tokens(stdout: str) -> tuple[int, int]:
    found = re.search(r"Tokens in ([\d,]+), out ([\d,]+)", stdout)
    assert found, stdout
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def test_a_budget_stop_mid_stream_in_review_exits_5_and_counts_the_cut_stream(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    long_review = Turn(reasoning="r", tool_calls=[tool_call("submit_review", scores=SCORES, reasons={"prose": LONG})])
    server.add(long_review)  # no usage from the server: estimated
    result = run_cli("review", str(root), "--chapters", "1", "--max-tokens", "2500")
    assert result.returncode == 5, result.stdout + result.stderr
    prompt, output = tokens(result.stdout)
    assert prompt > 300 and output > 0
    assert not (root / ".kimi_writer" / "reviews" / "chapter_1.json").exists()


def test_a_budget_stop_mid_stream_in_revise_exits_5(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    low = {key: 4 for key in SCORES}
    server.add(Turn(reasoning="r", tool_calls=[tool_call("submit_review", scores=low)], usage=(1_000, 100)),
               Turn(content="# Chapter 1\n\n" + LONG))
    result = run_cli("revise", str(root), "--chapters", "1", "--max-tokens", "3500")
    assert result.returncode == 5, result.stdout + result.stderr
    assert "budget" in next(line for line in result.stdout.splitlines() if "chapter_1.md" in line)
    assert tokens(result.stdout)[1] > 100  # the cut stream's output is counted
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == original
