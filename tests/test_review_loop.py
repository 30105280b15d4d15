"""The critic in the agent loop: `write --review auto|off` and the planner's `review_chapter` tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kimi_writer.loop.instructions import system_prompt
from kimi_writer.loop.tools import tool_schemas
from tests.conftest import assert_clean_protocol, tool_results
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_review import SCORES, review_turn

OUTLINE = "# The Lamplighter's Debt\n\n1. **The Body** — Hale finds the lamplighter. (~300 words)\n"
CHAPTER = "# Chapter 1\n\nThe fog came up the river at dusk. " + " ".join(  # the critic's note quotes it
    ["Hale knelt by the lamplighter under the dead lamp."] * 11) + "\n"
COMPACT_TOP = "Review of chapter_01.md: overall 7.2/10."
COMPACT_WEAKEST = "Weakest: prose 5 (flat sentences); stakes 6; character 7."
COMPACT_NOTE = '- "The fog came up the river at dusk.": a stock opening Fix: open on Hale'


def planner_turn(*calls, content: str = "") -> Turn:
    return Turn(reasoning="Next step.", tool_calls=list(calls), content=content, usage=(100, 10))


def book_turns(*after: Turn) -> list[Turn]:
    """The planner makes a project, an outline and chapter 1, then does whatever `after` says, then stops."""
    return [planner_turn(tool_call("create_project", project_name="Lamps")),
            planner_turn(tool_call("write_file", filename="outline.md", content=OUTLINE)),
            planner_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER, summary="Hale kneels.")),
            *after, planner_turn(content="The book is done.")]


@pytest.fixture
def critic():
    with ScriptedServer(models=["critic-1"]) as scripted:
        yield scripted


def critic_flags(critic: ScriptedServer) -> list[str]:
    return ["--critic-model", "critic-1", "--critic-base-url", critic.base_url]


def project(tmp_path: Path) -> Path:
    return tmp_path / "projects" / "Lamps"


def test_review_auto_adds_the_compact_review_to_the_chapter_write(tmp_path, server, critic, run_cli):
    server.add(*book_turns())
    critic.add(review_turn())
    result = run_cli("write", "A one-chapter mystery", "--review", "auto", *critic_flags(critic))
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    critic.assert_complete()
    assert len(critic.requests) == 1 and critic.requests[0]["model"] == "critic-1"  # the outline is not reviewed
    assert CHAPTER.strip() in critic.requests[0]["messages"][1]["content"]
    write_result = tool_results(server)["call_3"]  # chapter_01.md's write, as the next planner request carries it
    assert write_result.startswith("Created chapter_01.md")
    assert COMPACT_TOP in write_result and COMPACT_WEAKEST in write_result and COMPACT_NOTE in write_result
    assert "Review of" not in tool_results(server)["call_2"]  # outline.md
    saved = json.loads((project(tmp_path) / ".kimi_writer/reviews/chapter_01.json").read_text(encoding="utf-8"))
    assert saved["scores"] == SCORES and saved["overall"] == 7.22 and saved["model"] == "critic-1"
    assert not saved["author_edited"]
    assert "| chapter_01.md | 7.2 |" in (project(tmp_path) / "review.md").read_text(encoding="utf-8")
    assert "## Reviews" in server.requests[0]["messages"][0]["content"]
    assert "This run: 4 iterations · tokens in 1,400, out 240" in result.stdout  # the critic's 1,000 / 200 count


def test_an_unchanged_chapter_is_reviewed_once(tmp_path, server, critic, run_cli):
    again = planner_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER, mode="overwrite"))
    server.add(*book_turns(again))
    critic.add(review_turn())
    result = run_cli("write", "A one-chapter mystery", "--review", "auto", *critic_flags(critic))
    assert result.returncode == 0, result.stdout + result.stderr
    critic.assert_complete()
    assert len(critic.requests) == 1
    assert COMPACT_TOP in tool_results(server)["call_4"]  # the saved review of the same text


def test_the_planner_calls_review_chapter_and_reads_the_compact_review(tmp_path, server, critic, run_cli):
    server.add(*book_turns(planner_turn(tool_call("review_chapter", filename="chapter_01.md"))))
    critic.add(review_turn())
    result = run_cli("write", "A one-chapter mystery", *critic_flags(critic))  # --review off, a critic configured
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    critic.assert_complete()
    results = tool_results(server)
    assert "Review of" not in results["call_3"]  # with --review off, a write is not reviewed
    assert results["call_4"].startswith(COMPACT_TOP)
    assert COMPACT_WEAKEST in results["call_4"] and COMPACT_NOTE in results["call_4"]
    assert (project(tmp_path) / ".kimi_writer/reviews/chapter_01.json").is_file()
    assert "review_chapter" in [tool["function"]["name"] for tool in server.requests[0]["tools"]]
    assert "Call review_chapter(filename)" in server.requests[0]["messages"][0]["content"]


def test_a_review_malformed_twice_is_not_reviewed_and_the_run_goes_on(tmp_path, server, critic, run_cli):
    server.add(*book_turns())
    critic.add(Turn(content="A fine chapter."),
               Turn(tool_calls=[tool_call("submit_review", scores={"prose": 11})]))
    result = run_cli("write", "A one-chapter mystery", "--review", "auto", *critic_flags(critic))
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    critic.assert_complete()
    write_result = tool_results(server)["call_3"]
    assert write_result.startswith("Created chapter_01.md")
    assert "chapter_01.md was not reviewed: the critic's review was malformed twice" in write_result
    assert (project(tmp_path) / "chapter_01.md").read_text(encoding="utf-8") == CHAPTER
    assert not (project(tmp_path) / ".kimi_writer/reviews/chapter_01.json").exists()


def test_review_off_sends_todays_requests(tmp_path, server, run_cli):
    server.add(*book_turns())
    result = run_cli("write", "A one-chapter mystery", "--review", "off")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    for request in server.requests:
        assert request["tools"] == tool_schemas()
        assert "review_chapter" not in json.dumps(request["tools"])
    assert server.requests[0]["messages"][0]["content"] == system_prompt(300, prompt="A one-chapter mystery")
    assert "## Reviews" not in server.requests[0]["messages"][0]["content"]
    assert "Review of" not in tool_results(server)["call_3"]
    assert not (project(tmp_path) / ".kimi_writer/reviews").exists()


def test_env_review_auto_without_a_critic_model_uses_the_planners(tmp_path, server, run_cli):
    server.add(*book_turns()[:3], review_turn(), book_turns()[-1])
    result = run_cli("write", "A one-chapter mystery", env={"KIMI_WRITER_REVIEW": "auto"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.requests[3]["tool_choice"] == {"type": "function", "function": {"name": "submit_review"}}
    assert COMPACT_TOP in tool_results(server)["call_3"]


def test_review_auto_reviews_a_drafted_chapter(tmp_path, server, critic, run_cli):
    with ScriptedServer([Turn(content=CHAPTER)], models=["writer-1"]) as writer:
        server.add(*book_turns()[:2],
                   planner_turn(tool_call("draft_chapter", filename="chapter_01.md", brief="Hale finds the body.")),
                   book_turns()[-1])
        critic.add(review_turn())
        result = run_cli("write", "A one-chapter mystery", "--review", "auto", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url, *critic_flags(critic))
        assert result.returncode == 0, result.stdout + result.stderr
        writer.assert_complete()
    critic.assert_complete()
    assert CHAPTER.strip() in critic.requests[0]["messages"][1]["content"]
    assert COMPACT_TOP in tool_results(server)["call_3"] and COMPACT_NOTE in tool_results(server)["call_3"]


def test_max_cost_needs_the_critics_price(tmp_path, server, critic, run_cli):
    result = run_cli("write", "A one-chapter mystery", "--review", "auto", "--max-cost", "1", *critic_flags(critic))
    assert result.returncode == 2
    assert "no price is known for the model 'critic-1', so --max-cost cannot be applied" in result.stdout + result.stderr
    assert server.requests == [] and critic.requests == []
