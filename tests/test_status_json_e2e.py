"""`status --json`, `list`, and what status says of a folder that is not a book, an unknown name, and a
book that a run is writing now; the JSON Schemas in docs/schema/ agree with the models."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from kimi_writer.report.shapes import SCHEMAS, BookList, BookStatus, schema_text
from tests.sample_book import write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_lock_e2e import make_book, start, wait_for_requests
from tests.test_write_e2e import tool_turn

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schema"


def test_every_schema_file_matches_its_model():
    for name, model in SCHEMAS.items():
        path = SCHEMA_DIR / f"{name}.json"
        assert path.is_file(), f"{path} is missing: run python -m kimi_writer.report.shapes --write docs/schema"
        assert path.read_text(encoding="utf-8") == schema_text(model), \
            f"{path} disagrees with its model: run python -m kimi_writer.report.shapes --write docs/schema"
    assert {path.stem for path in SCHEMA_DIR.glob("*.json")} >= set(SCHEMAS)


def test_status_json_describes_the_book(run_cli, tmp_path):
    root = write_sample_book(tmp_path / "projects")
    (root / "chapters/chapter_04.md").write_text("An extra chapter, not planned.\n", encoding="utf-8")
    result = run_cli("status", "Fog_Over_London", "--json")
    assert result.returncode == 0, result.stderr
    status = BookStatus.model_validate_json(result.stdout)
    assert (status.title, status.unit, status.kind, status.planned, status.written) == \
        ("Fog Over London", "words", "chapter", 3, 3)
    assert [(p.number, p.file, p.title, p.words, p.target, p.planned) for p in status.parts] == [
        (1, "chapter_1.md", "The Fog", 13, 3000, True),
        (2, "chapters/chapter_02.md", "The Docks", 22, 2000, True),
        (3, "ch3.md", "The Reveal", 14, None, True),
        (4, "chapters/chapter_04.md", None, 5, None, False)]
    assert status.words == 13 + 22 + 14 + 5
    assert status.runs == [] and status.running is None and status.state_problem == "no run recorded yet"
    assert status.next == f"kimi-writer write --recover {root}"


def test_status_json_lists_the_runs_and_a_finished_book(server, run_cli, tmp_path):
    project = make_book(server, run_cli, tmp_path)
    status = BookStatus.model_validate_json(run_cli("status", str(project), "--json").stdout)
    assert len(status.runs) == 1 and status.runs[0].iterations == 3 and status.last_run == status.runs[0]
    assert status.runs[0].outcome.startswith("Finished")
    assert status.parts[0].file == "chapter_01.md" and status.parts[0].words == 1


def test_status_on_a_folder_that_is_not_a_book_exits_2(run_cli, tmp_path):
    (tmp_path / "holiday").mkdir()
    (tmp_path / "holiday" / "notes.md").write_text("Not a book.\n", encoding="utf-8")
    for args in (("status", "holiday"), ("status", "holiday", "--json")):
        result = run_cli(*args)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == f"Error: {tmp_path / 'holiday'} is not a kimi-writer project (it has no .kimi_writer " \
            "folder, no outline.md and no chapter files); give a project folder, or start a book with kimi-writer " \
            "write.\n"


def test_an_unknown_name_names_the_folder_searched_and_the_closest_projects(run_cli, tmp_path):
    write_sample_book(tmp_path / "projects")
    write_sample_book(tmp_path / "projects", "Fog_Over_Paris")
    write_sample_book(tmp_path / "projects", "Desert_Song")
    result = run_cli("status", "Fog_Over")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: there is no project Fog_Over; give a project folder, or the name of a "
                                    "project under projects. The closest: ")
    assert result.stderr.strip().endswith("The closest: Fog_Over_Paris, Fog_Over_London.") or \
        result.stderr.strip().endswith("The closest: Fog_Over_London, Fog_Over_Paris."), result.stderr
    assert "Desert_Song" not in result.stderr


def test_status_says_a_run_is_writing_the_book(server, run_cli, tmp_path):
    project = make_book(server, run_cli, tmp_path)
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content="Two.\n"), hang=120))
    first = start(tmp_path, server, "write", "--recover", str(project))
    try:
        wait_for_requests(server, 4)
        shown = run_cli("status", str(project))
        data = json.loads(run_cli("status", str(project), "--json").stdout)
        listed = json.loads(run_cli("list", "--json").stdout)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    assert first.returncode == 143
    assert shown.returncode == 0
    assert f"Running: process {first.pid} is writing this book since 20" in shown.stdout, shown.stdout
    assert f": kimi-writer write --recover {project}" in shown.stdout
    assert "Continue with" not in shown.stdout
    running = BookStatus.model_validate(data).running
    assert running is not None and running.pid == first.pid and running.command.startswith("kimi-writer write")
    assert running.since.endswith("Z")
    assert [book["running"]["pid"] for book in BookList.model_validate(listed).model_dump()] == [first.pid]
    after = BookStatus.model_validate_json(run_cli("status", str(project), "--json").stdout)
    assert after.running is None and len(after.runs) == 2


def test_list_shows_every_book(run_cli, tmp_path):
    write_sample_book(tmp_path / "projects")
    write_sample_book(tmp_path / "projects", "Desert_Song")
    (tmp_path / "projects" / "Desert_Song" / "ch3.md").unlink()
    (tmp_path / "projects" / "not_a_book").mkdir()
    books = BookList.model_validate_json(run_cli("list", "--json").stdout).root
    assert [(b.project, b.written, b.planned, b.words) for b in books] == \
        [("Desert_Song", 2, 3, 35), ("Fog_Over_London", 3, 3, 49)]
    shown = run_cli("list")
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert any("Fog Over London │ Desert_Song" in line and " 2/3 " in line and " 35 " in line for line in lines), \
        shown.stdout
    assert any("Fog_Over_London" in line and " 3/3 " in line and " 49 " in line for line in lines), shown.stdout
    assert "not_a_book" not in shown.stdout


def test_list_of_an_empty_folder(run_cli, tmp_path):
    result = run_cli("list")
    assert result.returncode == 0 and "No books" in result.stdout and "projects" in result.stdout
    assert run_cli("list", "--json").stdout.strip() == "[]"
