"""No key and no URL password ever surfaces: not on the console, not in a request to the planner,
not in session.json, the summaries or the run records."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.conftest import TEST_KEY, assert_clean_protocol, tool_results
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_write_e2e import tool_turn
from tests.test_writer_e2e import BIBLE, OUTLINE, WRITER_KEY, chapter_text

PASSWORD = "pa55word"
BASIC = base64.b64encode(f"user:{PASSWORD}".encode()).decode()


def quoting(status: int, text: str) -> Turn:
    """An error answer whose message quotes `text`, as a careless server's might."""
    return Turn(status=status, error_body={"error": {"message": text, "type": "invalid_request_error"}})


def with_password(url: str) -> str:
    return url.replace("http://", f"http://user:{PASSWORD}@")


def saved_text(project: Path) -> str:
    """Every file kimi-writer keeps in the project: state, summaries, chapters."""
    return "\n".join(path.read_text() for path in sorted(project.rglob("*")) if path.is_file())


def assert_nowhere(secret: str, result, planner: ScriptedServer, project: Path) -> None:
    assert secret not in result.stdout + result.stderr
    assert secret not in json.dumps(planner.requests)
    assert secret not in saved_text(project)


def test_a_writer_error_quoting_its_key_reaches_no_one(server, run_cli, tmp_path):
    writer = ScriptedServer([quoting(400, f"bad header Authorization: Bearer {WRITER_KEY}")],
                            models=["writer-1"]).start()
    try:
        server.add(tool_turn(tool_call("create_project", project_name="Leaky")),
                   tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE),
                             tool_call("write_file", filename="characters.md", content=BIBLE)),
                   tool_turn(tool_call("draft_chapter", filename="chapter_01.md", brief="The body.")),
                   tool_turn(tool_call("list_files")))
        result = run_cli("write", "x", "--writer-model", "writer-1", "--writer-base-url", writer.base_url,
                         "--max-iterations", "4", env={"KIMI_WRITER_WRITER_API_KEY": WRITER_KEY})
        assert result.returncode == 3, result.stdout + result.stderr
        project = tmp_path / "projects/Leaky"
        failed = tool_results(server)["call_4"]
        assert "bad header Authorization: Bearer sk-…" in failed  # the planner still learns what went wrong
        assert "draft_chapter failed: the writer model failed: " in result.stdout
        assert list(project.glob(".context_summary_*.md"))
        assert_nowhere(WRITER_KEY, result, server, project)
        assert_nowhere(TEST_KEY, result, server, project)
        writer.assert_complete()
        assert_clean_protocol(server)
    finally:
        writer.stop()


def test_the_draft_command_scrubs_the_writer_key(run_cli, tmp_path):
    project = tmp_path / "projects/Drafts"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE)
    writer = ScriptedServer([quoting(400, f"Authorization: Bearer {WRITER_KEY} is not allowed"),
                             Turn(content=chapter_text(2))], models=["writer-1"]).start()
    try:
        result = run_cli("draft", "Drafts", "--chapters", "1-2", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url, env={"KIMI_WRITER_WRITER_API_KEY": WRITER_KEY})
        assert result.returncode == 4, result.stdout + result.stderr
        assert "Authorization: Bearer sk-… is not allowed" in result.stdout
        assert WRITER_KEY not in result.stdout + result.stderr
        assert WRITER_KEY not in saved_text(project)
        writer.assert_complete()
    finally:
        writer.stop()


def test_a_password_in_the_base_url_is_never_shown_after_a_401(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Guarded")),
               quoting(401, f"Invalid Authentication: Basic {BASIC} ({PASSWORD})"))
    result = run_cli("write", "x", env={"KIMI_WRITER_BASE_URL": with_password(server.base_url)})
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Stopped: The server at http://***@127.0.0.1:" in result.stdout
    assert "rejected the API key (HTTP 401)" in result.stdout
    project = tmp_path / "projects/Guarded"
    assert list(project.glob(".context_summary_*.md"))
    state = json.loads((project / ".kimi_writer/session.json").read_text())
    assert state["base_url"].startswith("http://***@127.0.0.1:")
    for secret in (PASSWORD, BASIC):
        assert_nowhere(secret, result, server, project)


def test_a_password_in_the_base_url_is_never_shown_after_a_404(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Guarded")), Turn(status=404))
    result = run_cli("write", "x", "--base-url", with_password(server.base_url))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "has no model 'kimi-k2.6' (HTTP 404)" in result.stdout
    assert_nowhere(PASSWORD, result, server, tmp_path / "projects/Guarded")


def test_a_password_in_the_writer_url_is_scrubbed_by_draft(run_cli, tmp_path):
    project = tmp_path / "projects/Drafts"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE)
    writer = ScriptedServer(models=["writer-1"]).start()
    try:
        url = with_password(writer.base_url)
        writer.add(quoting(404, f"no model at {url}"))
        result = run_cli("draft", "Drafts", "--chapters", "1", "--writer-model", "writer-1",
                         "--writer-base-url", url)
        assert result.returncode == 4, result.stdout + result.stderr
        assert "no model at http://***@127.0.0.1:" in result.stdout
        assert PASSWORD not in result.stdout + result.stderr
        writer.assert_complete()
    finally:
        writer.stop()


def test_the_scrubber_knows_every_secret_of_the_settings():
    from kimi_writer.model.api_errors import Scrubber
    from kimi_writer.settings import Settings

    settings = Settings(api_key="sk-planner-123456", writer_api_key="sk-writer-654321",
                        base_url="https://ann:p%40ss-word@example.com/v1",
                        writer_base_url="http://bob:hunter22@10.0.0.2:8000/v1")
    scrub = Scrubber.from_settings(settings)
    token = base64.b64encode(b"ann:p@ss-word").decode()
    text = (f"keys sk-planner-123456 and sk-writer-654321; urls {settings.base_url} and "
            f"{settings.writer_base_url}; echoed p@ss-word, hunter22 and Basic {token}")
    assert scrub(text) == ("keys sk-… and sk-…; urls https://***@example.com/v1 and http://***@10.0.0.2:8000/v1; "
                           "echoed ***, *** and Basic ***")
    assert scrub("an ordinary sentence about the fog at http://example.com/a@b") == \
        "an ordinary sentence about the fog at http://example.com/a@b"
