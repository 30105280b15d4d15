"""`kimi-writer review`: the critic's forced submit_review call, saved reviews, review.md, status, the ledger."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kimi_writer.judge.critic import SUBMIT_REVIEW
from tests.conftest import assert_clean_protocol
from tests.sample_book import write_sample_book
from tests.scripted_server import Turn, tool_call

SCORES = {"character": 7, "setting": 8, "stakes": 6, "pacing": 7, "prose": 5, "outline_fidelity": 9,
          "character_consistency": 8, "world_consistency": 8, "continuity": 7}  # mean 65/9 = 7.22


def review_turn(scores: dict | None = None, **extra) -> Turn:
    arguments = {"scores": scores or SCORES, "reasons": {"prose": "flat sentences"},
                 "notes": [{"quote": "The fog came up the river at dusk.", "problem": "a stock opening",
                            "fix": "open on Hale"}], **extra}
    return Turn(reasoning="Weighing the chapter.", tool_calls=[tool_call("submit_review", **arguments)],
                usage=(1_000, 200))


def book(tmp_path: Path) -> Path:
    return write_sample_book(tmp_path / "projects")


def saved(root: Path, stem: str) -> dict:
    return json.loads((root / ".kimi_writer" / "reviews" / f"{stem}.json").read_text(encoding="utf-8"))


def test_a_review_is_saved_written_to_review_md_and_shown_in_status_then_stale(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(review_turn(), review_turn(dict(SCORES, prose=9)), review_turn())
    result = run_cli("review", str(root))
    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)
    review = saved(root, "chapter_1")
    text = (root / "chapter_1.md").read_text(encoding="utf-8")
    assert review["scores"] == SCORES and review["overall"] == 7.22
    assert review["sha256"] == hashlib.sha256(text.encode()).hexdigest() and review["model"] == "kimi-k2.6"
    assert review["notes"][0]["problem"] == "a stock opening"
    assert saved(root, "chapters/chapter_02")["overall"] == 7.67  # nested chapters/chapter_02.md, by its path
    lines = result.stdout.splitlines()
    assert any("chapter_1.md" in line and "7.2" in line and "prose 5, stakes 6" in line for line in lines)
    assert "Tokens in 3,000, out 600, estimated cost $0.0033." in result.stdout
    markdown = (root / "review.md").read_text(encoding="utf-8")
    assert "| chapter_1.md | 7.2 | 7 | 8 | 6 | 7 | 5 | 9 | 8 | 8 | 7 |" in markdown
    assert '- "The fog came up the river at dusk.": a stock opening Fix: open on Hale' in markdown
    status = run_cli("status", str(root))
    assert "score" in status.stdout and "7.2" in status.stdout and "7.7" in status.stdout
    (root / "chapter_1.md").write_text(text + "\nA new line by the author.\n", encoding="utf-8")
    status = run_cli("status", str(root))
    row = next(line for line in status.stdout.splitlines() if "chapter_1.md" in line)
    assert "stale" in row


def test_the_request_forces_submit_review_with_the_schema_and_carries_the_book(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(review_turn())
    result = run_cli("review", str(root), "--chapters", "2")
    assert result.returncode == 0, result.stderr
    request = server.requests[0]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "submit_review"}}
    assert request["tools"] == [SUBMIT_REVIEW.schema()]
    parameters = request["tools"][0]["function"]["parameters"]
    assert parameters["$defs"]["Scores"]["properties"]["prose"] == {"maximum": 10, "minimum": 1, "type": "integer"}
    prompt = request["messages"][1]["content"]
    assert "Inspector Hale did not believe the clerk." in prompt  # the chapter
    assert "Hale does not believe the clerk." in prompt and "Target: about 2,000 words" in prompt  # its entry
    assert "a tapestry of bad habits" in prompt  # the story bible
    assert "The fog came up the river at dusk." in prompt  # the end of the previous chapter
    assert "The Reveal: It was the brother." in prompt  # the next chapter's synopsis
    assert "against a target of 2,000" in prompt  # the mechanical flags (one stock phrase is under their rate)
    assert "continuity" in request["messages"][0]["content"]  # the rubric
    assert not (root / ".kimi_writer" / "reviews" / "chapter_1.json").exists()


def test_a_malformed_review_is_retried_once_then_reported_not_reviewed(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(review_turn(dict(SCORES, prose=11)),  # chapter 1: out of range...
               Turn(reasoning="Again.", tool_calls=[tool_call("submit_review", scores="all good")]),  # ...then wrong again
               Turn(content="A fine chapter, 8 out of 10."),  # chapter 2: no tool call...
               review_turn())  # ...then a good review
    result = run_cli("review", str(root), "--chapters", "1-2")
    assert result.returncode == 4, result.stderr
    assert_clean_protocol(server)
    retry = server.requests[1]["messages"]
    assert retry[-2]["tool_calls"][0]["function"]["name"] == "submit_review"
    assert retry[-1]["role"] == "tool" and "scores.prose" in retry[-1]["content"]
    assert "less than or equal to 10" in retry[-1]["content"]
    assert "did not call submit_review" in server.requests[3]["messages"][-1]["content"]
    row = next(line for line in result.stdout.splitlines() if "chapter_1.md" in line)
    assert "not reviewed" in row and "malformed twice" in row
    assert not (root / ".kimi_writer" / "reviews" / "chapter_1.json").exists()
    assert saved(root, "chapters/chapter_02")["overall"] == 7.22


def test_new_facts_reach_continuity_md_and_the_next_request(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(review_turn(new_facts=[{"section": "characters", "fact": "Hale: grey eyes, walks with a cane"}]),
               review_turn())
    assert run_cli("review", str(root), "--chapters", "1").returncode == 0
    assert "Hale: grey eyes, walks with a cane" in (root / "continuity.md").read_text(encoding="utf-8")
    assert run_cli("review", str(root), "--chapters", "2").returncode == 0
    assert "Hale: grey eyes, walks with a cane" in server.requests[1]["messages"][1]["content"]
    assert (root / "review.md").is_file() and "Review of" not in server.requests[1]["messages"][1]["content"]
    server.add(Turn(content="# Chapter 2: The Docks\n\nHale limped to the docks.\n"))
    drafted = run_cli("draft", str(root), "--chapters", "2", "--overwrite")
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    assert "Hale: grey eyes, walks with a cane" in server.requests[2]["messages"][1]["content"]  # the writer's
    assert "Hale: grey eyes" not in server.requests[0]["messages"][1]["content"]


def test_mechanical_only_makes_no_model_call(tmp_path, server, run_cli):
    root = book(tmp_path)
    (root / "chapter_1.md").write_text("# Chapter 1\n\n" + "He walked to the door. " * 8 + "\n", encoding="utf-8")
    result = run_cli("review", str(root), "--mechanical-only", env={"KIMI_WRITER_API_KEY": ""})
    assert result.returncode == 0, result.stderr
    assert server.requests == []
    assert "mechanical checks" in result.stdout and "chapter_1.md" in result.stdout
    assert 'chapter_1.md:3: warning: 8 sentences open with "He walked to"' in result.stdout
    assert "slop index" in result.stdout
    assert not (root / ".kimi_writer" / "reviews").exists()


def test_chapters_not_in_the_outline_is_one_sentence(tmp_path, server, run_cli):
    result = run_cli("review", str(book(tmp_path)), "--chapters", "9")
    assert result.returncode == 2 and server.requests == []
    assert result.stderr.strip() == "Error: the outline has no chapter 9; see kimi-writer status."


def test_a_server_that_refuses_a_forced_tool_choice_is_asked_with_auto(tmp_path, server, run_cli):
    root = book(tmp_path)
    refused = {"error": {"message": "tool_choice 'specified' is incompatible with thinking enabled",
                         "type": "invalid_request_error"}}
    server.add(Turn(status=400, error_body=refused), review_turn(), review_turn())
    result = run_cli("review", str(root), "--chapters", "1-2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [r["tool_choice"] for r in server.requests] == [
        {"type": "function", "function": {"name": "submit_review"}}, "auto", "auto"]
    assert saved(root, "chapter_1")["overall"] == 7.22


def test_the_compact_review_for_a_tool_result():
    from kimi_writer.judge.rubric import Review

    review = Review(chapter="chapter_03.md", scores=dict(SCORES, setting=4), overall=6.89,
                    reasons={"setting": "no weather, no light"}, sha256="0" * 64, model="m", reviewed_at="t",
                    notes=[{"quote": f"quote {n}", "problem": f"problem {n}", "fix": f"fix {n}"} for n in range(5)],
                    continuity_issues=[{"quote": "blue eyes", "contradicts": "Hale: grey eyes"}])
    assert review.compact() == (
        "Review of chapter_03.md: overall 6.9/10.\n"
        "Weakest: setting 4 (no weather, no light); prose 5; stakes 6.\n"
        '- "quote 0": problem 0 Fix: fix 0\n- "quote 1": problem 1 Fix: fix 1\n- "quote 2": problem 2 Fix: fix 2\n'
        '- Continuity: "blue eyes" contradicts Hale: grey eyes')


def test_the_critic_has_its_own_model_url_and_key(tmp_path, server, run_cli):
    from tests.scripted_server import ScriptedServer

    root = book(tmp_path)
    with ScriptedServer([review_turn()], models=["critic-1"]) as critic:
        result = run_cli("review", str(root), "--chapters", "3", env={
            "KIMI_WRITER_CRITIC_MODEL": "critic-1", "KIMI_WRITER_CRITIC_BASE_URL": critic.base_url,
            "KIMI_WRITER_CRITIC_API_KEY": "sk-critic-key-0123456789"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert critic.requests[0]["model"] == "critic-1"
        assert critic.headers[0]["authorization"] == "Bearer sk-critic-key-0123456789"
    assert server.requests == []
    assert saved(root, "ch3")["model"] == "critic-1"
    server.add(review_turn())  # by default, the planner's URL and key
    flagged = run_cli("review", str(root), "--critic-model", "critic-2", "--chapters", "1")
    assert flagged.returncode == 0 and server.requests[0]["model"] == "critic-2"
