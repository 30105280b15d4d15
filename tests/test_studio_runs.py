"""Runs from the studio: started as child processes, followed live by server-sent events from
`run_start` to `run_end`, stopped with SIGTERM (exit 143) and continued; a run started in a terminal
is followed from the book's events.jsonl. The child is tests/fake_cli.py, which keeps the events
contract, until the events branch brings `--json` to the real CLI."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.studio_server import FAKE_CLI, InProcessStudio, wait_for


@pytest.fixture
def studio(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "0.05")
    (tmp_path / "projects").mkdir()
    with InProcessStudio(tmp_path / "projects") as running:
        yield running


def types(events: list[dict]) -> list[str]:
    return [event["type"] for event in events]


def test_a_new_book_runs_and_its_stream_starts_at_run_start_and_ends_at_run_end(studio):
    status, started = studio.json("POST", "/api/runs", {"command": "write", "prompt": "A fog story",
                                                         "options": {"plan_only": False, "review": "auto"}})
    assert status == 200 and started["run"]
    events = studio.events(started["run"])
    assert types(events)[0] == "run_start" and types(events)[-1] == "run_end"
    assert [e["file"] for e in events if e["type"] == "tool_result"] == ["chapter_01.md", "chapter_02.md", "chapter_03.md"]
    assert events[-1]["exit_code"] == 0 and [e["seq"] for e in events] == list(range(len(events)))
    assert events[0]["args"][-2:] == ["--", "A fog story"] and "--review=auto" in events[0]["args"]
    assert (studio.projects / "Fake_Book" / "chapter_03.md").is_file()
    again = studio.events(started["run"])  # a page that connects later still starts at run_start
    assert again == events
    assert studio.json("GET", f"/api/runs/{started['run']}")[1]["book"] == "Fake_Book"


def test_stop_sends_sigterm_the_run_ends_143_and_continue_finishes_it(studio, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "1")
    run = studio.json("POST", "/api/runs", {"command": "write", "prompt": "A slow story"})[1]["run"]
    wait_for(lambda: (studio.projects / "Fake_Book" / "chapter_01.md").is_file())
    assert studio.json("GET", "/api/books")[1][0]["running"] is not None
    assert studio.json("POST", f"/api/runs/{run}/stop", {}) == (200, {"run": run, "stopped": True})
    events = studio.events(run)
    assert events[-1]["type"] == "run_end" and events[-1]["exit_code"] == 143
    assert not (studio.projects / "Fake_Book" / "chapter_03.md").exists()
    monkeypatch.setenv("FAKE_DELAY", "0.01")
    status, resumed = studio.json("POST", "/api/runs", {"command": "recover", "book": "Fake_Book"})
    assert status == 200 and studio.events(resumed["run"])[-1]["exit_code"] == 0
    assert (studio.projects / "Fake_Book" / "chapter_03.md").is_file()


def test_a_run_that_fails_before_starting_answers_its_own_sentence(studio):
    status, answer = studio.json("POST", "/api/runs", {"command": "write", "prompt": "FAIL"})
    assert status == 400 and answer["error"] == "Error: no API key is set; set KIMI_WRITER_API_KEY."


def test_a_run_request_is_checked(studio):
    assert studio.json("POST", "/api/runs", {"command": "rm"})[0] == 400
    assert studio.json("POST", "/api/runs", {"command": "write", "prompt": " "})[0] == 400
    assert studio.json("POST", "/api/runs", {"command": "review", "book": "../x"})[0] == 404
    status, answer = studio.json("POST", "/api/runs", {"command": "write", "prompt": "x", "options": {"api_key": "k"}})
    assert status == 400 and "api_key" in answer["error"]
    assert studio.json("POST", "/api/runs", {"command": "write", "prompt": "x", "options": {"model": ["a"]}})[0] == 400
    assert studio.request("GET", "/api/runs/nope/events")[0] == 404


def test_a_run_started_in_a_terminal_is_followed_from_events_jsonl(studio, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "0.3")
    terminal = subprocess.Popen([*FAKE_CLI, "write", f"--projects-dir={studio.projects}", "--json", "--", "story"],
                                stdout=subprocess.PIPE, text=True)
    run = json.loads(terminal.stdout.readline())["run"]
    wait_for(lambda: (studio.projects / "Fake_Book" / ".kimi_writer" / "events.jsonl").is_file())
    events = studio.events(run)
    terminal.wait(60)
    assert types(events)[0] == "run_start" and events[-1]["type"] == "run_end" and events[-1]["exit_code"] == 0
    assert len([e for e in events if e["type"] == "tool_result"]) == 3
    assert studio.json("GET", f"/api/runs/{run}")[1]["book"] == "Fake_Book"



def test_when_the_studio_stops_its_runs_get_sigterm_and_end_143(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "1")
    (tmp_path / "projects").mkdir()
    with InProcessStudio(tmp_path / "projects") as studio:
        studio.json("POST", "/api/runs", {"command": "write", "prompt": "A slow story"})
        wait_for(lambda: (tmp_path / "projects" / "Fake_Book" / "chapter_01.md").is_file())
    events = [json.loads(line) for line in
              (tmp_path / "projects" / "Fake_Book" / ".kimi_writer" / "events.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "run_end" and events[-1]["exit_code"] == 143
    assert not (tmp_path / "projects" / "Fake_Book" / ".kimi_writer" / "lock").exists()


def test_a_book_a_run_is_working_on_links_to_that_run(studio, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "1")
    run = studio.json("POST", "/api/runs", {"command": "write", "prompt": "A slow story"})[1]["run"]
    wait_for(lambda: (studio.projects / "Fake_Book" / "chapter_01.md").is_file())
    for page in ("/", "/books/Fake_Book"):
        assert f'data-test="watch" href="/runs/{run}"' in studio.request("GET", page)[2].decode(), page
    studio.json("POST", f"/api/runs/{run}/stop", {})
    assert studio.events(run)[-1]["exit_code"] == 143
    assert 'data-test="watch"' not in studio.request("GET", "/")[2].decode()


def test_a_stream_resumed_with_last_event_id_starts_after_it(studio):
    run = studio.json("POST", "/api/runs", {"command": "write", "prompt": "A fog story"})[1]["run"]
    events = studio.events(run)
    status, _, body = studio.request("GET", f"/api/runs/{run}/events", headers={"Last-Event-ID": "3"})
    resumed = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ") and line != "data: {}"]
    assert status == 200 and resumed == events[4:]
