"""Runs from the studio with the real CLI against the scripted server: `write --json` and `review
--json` as child processes, their events streamed from run_start to run_end. They need the event log
of issue 23 (kimi_writer/book/event_log.py and --json); until that is on main they are skipped."""

from __future__ import annotations

import pytest

from tests.conftest import CLI, TEST_KEY, assert_clean_protocol
from tests.sample_book import write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.studio_server import InProcessStudio
from tests.test_review import review_turn

pytest.importorskip("kimi_writer.book.event_log", reason="the event log (issue 23, --json) is not on this branch yet")


@pytest.fixture
def studio(tmp_path, monkeypatch, server):
    for name, value in {"KIMI_WRITER_API_KEY": TEST_KEY, "KIMI_WRITER_BASE_URL": server.base_url,
                        "KIMI_WRITER_RETRY_BASE_DELAY": "0.05", "HOME": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    write_sample_book(tmp_path / "projects")
    with InProcessStudio(tmp_path / "projects", cli=[str(CLI)]) as running:
        yield running


def test_a_new_book_from_the_studio_streams_the_real_runs_events(studio, server):
    server.add(Turn(reasoning="plan", tool_calls=[tool_call("create_project", project_name="Tiny")]),
               Turn(reasoning="write", tool_calls=[tool_call("write_file", filename="chapter_01.md", content="Once.\n")]),
               Turn(content="done"))
    status, started = studio.json("POST", "/api/runs", {"command": "write", "prompt": "A tiny story"})
    assert status == 200, started
    events = studio.events(started["run"])
    assert events[0]["type"] == "run_start" and events[-1]["type"] == "run_end" and events[-1]["exit_code"] == 0
    assert "chapter_01.md" in [event.get("file") for event in events if event["type"] == "tool_result"]
    assert (studio.projects / "Tiny" / "chapter_01.md").read_text(encoding="utf-8") == "Once.\n"
    assert studio.json("GET", f"/api/runs/{started['run']}")[1]["book"] == "Tiny"
    assert_clean_protocol(server)


def test_a_review_from_the_studio_shows_its_scores(studio, server):
    server.add(review_turn(), review_turn(), review_turn())
    status, started = studio.json("POST", "/api/runs", {"command": "review", "book": "Fog_Over_London"})
    assert status == 200, started
    events = studio.events(started["run"])
    assert events[-1]["exit_code"] == 0 and len([e for e in events if e["type"] == "review"]) == 3
    parts = studio.json("GET", "/api/books/Fog_Over_London")[1]["parts"]
    assert [part["score"] for part in parts] == [7.22, 7.22, 7.22]
