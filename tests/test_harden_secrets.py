"""Hardening: keys a model echoes and terminal escapes stay out of files, requests and the terminal (issue 28, part 2)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TEST_KEY
from tests.sample_book import write_sample_book
from tests.test_revise import scored, version

CRITIC_KEY = "sk-critic-9876543210fedcba-secret"
WRITER_KEY = "sk-writer-5555aaaa5555bbbb-secret"


def every_file(root: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in root.rglob("*") if path.is_file())


def test_keys_echoed_by_the_critic_and_the_writer_are_scrubbed_everywhere(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    leak = f"keys {CRITIC_KEY} {TEST_KEY} {WRITER_KEY}"
    echo = {"reasons": {"prose": leak},
            "notes": [{"quote": "The fog came up the river at dusk.", "problem": leak, "fix": leak}],
            "new_facts": [{"section": "characters", "fact": f"Hale's key is {CRITIC_KEY}"}]}
    server.add(scored(5, **echo), version(f"# Chapter 1: The Fog\n\nBetter, {WRITER_KEY}.\n"), scored(8, **echo))
    env = {"KIMI_WRITER_CRITIC_API_KEY": CRITIC_KEY, "KIMI_WRITER_WRITER_API_KEY": WRITER_KEY}
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1", env=env)
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nBetter, sk-….\n"
    written = every_file(root) + result.stdout + result.stderr
    writer_request = str(server.requests[1]["messages"])
    for key in (CRITIC_KEY, TEST_KEY, WRITER_KEY):
        assert key not in written and key not in writer_request and key not in str(server.requests[2])
    assert "Hale's key is sk-…" in (root / "continuity.md").read_text(encoding="utf-8")


HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x00\x9b31m\x08"


def unprintable(text: str) -> list[str]:
    return [char for char in text if (ord(char) < 32 and char not in "\n\t") or 0x7f <= ord(char) <= 0x9f]


def test_terminal_escapes_from_the_critic_stay_out_of_review_md_and_continuity_md(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    server.add(scored(5, notes=[{"quote": "The fog", "problem": f"red{HOSTILE}", "fix": f"fix{HOSTILE}"}],
                      new_facts=[{"section": "places", "fact": f"The Embankment{HOSTILE} at dusk"}]))
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 0, result.stderr
    ledger = (root / "continuity.md").read_text(encoding="utf-8")
    assert "- The Embankment at dusk" in ledger and unprintable(ledger) == []
    review_md = (root / "review.md").read_text(encoding="utf-8")
    assert '"The fog": red Fix: fix' in review_md and unprintable(review_md) == []
    saved = (root / ".kimi_writer" / "reviews" / "chapter_1.json").read_text(encoding="utf-8")
    assert "\\u001b" not in saved and "\\u0000" not in saved


def test_export_prints_no_escape_from_a_chapters_title(tmp_path, run_cli):
    root = write_sample_book(tmp_path / "projects")
    (root / "chapter_1.md").write_text(f"# Chapter 1: The Fog{HOSTILE}\n\nText.\n", encoding="utf-8")
    result = run_cli("export", str(root), "--format", "md")
    assert result.returncode == 0, result.stderr
    assert "Chapter 1: The Fog" in result.stdout and unprintable(result.stdout) == []


def test_review_refuses_a_continuity_md_that_is_a_link_to_a_chapter(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    chapter = (root / "chapter_1.md").read_bytes()
    (root / "continuity.md").symlink_to("chapter_1.md")
    server.add(scored(5, new_facts=[{"section": "places", "fact": "The Embankment"}]))
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 2
    assert "continuity.md" in result.stderr and "is a link" in result.stderr and "Traceback" not in result.stderr
    assert (root / "chapter_1.md").read_bytes() == chapter and server.requests == []


def test_status_lint_and_review_print_no_escape_from_titles_names_or_quotes(tmp_path, run_cli):
    root = write_sample_book(tmp_path / "projects")
    outline = (root / "outline.md").read_text(encoding="utf-8").replace("The Fog", f"The Fog{HOSTILE}")
    (root / "outline.md").write_text(outline, encoding="utf-8")
    (root / "chapter_1.md").write_text("# Chapter 1\n\n" + f"A testament to the fog{HOSTILE}. " * 3 + "\n",
                                       encoding="utf-8")
    for args in (("status",), ("lint",), ("review", "--mechanical-only")):
        result = run_cli(*args, str(root), env={"KIMI_WRITER_API_KEY": ""})
        assert result.returncode in (0, 1), result.stderr
        assert unprintable(result.stdout + result.stderr) == [], args


def test_a_key_echoed_by_the_critic_in_the_loop_reaches_neither_the_session_nor_the_planner(tmp_path, server,
                                                                                            run_cli):
    from tests.scripted_server import ScriptedServer
    from tests.test_review import review_turn
    from tests.test_review_loop import book_turns

    with ScriptedServer(models=["critic-1"]) as critic:
        server.add(*book_turns())
        critic.add(review_turn(reasons={"prose": f"my key is {CRITIC_KEY}"},
                               continuity_issues=[{"quote": "fog", "contradicts": f"key {TEST_KEY}"}]))
        result = run_cli("write", "A one-chapter mystery", "--review", "auto", "--critic-model", "critic-1",
                         "--critic-base-url", critic.base_url, env={"KIMI_WRITER_CRITIC_API_KEY": CRITIC_KEY})
    assert result.returncode == 0, result.stdout + result.stderr
    root = tmp_path / "projects" / "Lamps"
    planner_requests = str(server.requests)
    assert "my key is sk-…" in planner_requests  # the review reached the planner, scrubbed
    for key in (CRITIC_KEY, TEST_KEY):
        assert key not in every_file(root) and key not in planner_requests


def test_the_streamed_reasoning_and_text_print_no_escape(run_cli, server):
    from tests.scripted_server import Turn

    server.add(Turn(reasoning="Plan the book. " + HOSTILE + " Then write.", content="Nothing " + HOSTILE + "yet."))
    result = run_cli("write", "A mystery", "--max-iterations", "1")
    assert "Plan the book." in result.stdout and "Nothing " in result.stdout  # the stream was shown
    assert unprintable(result.stdout) == []  # split across pieces, what is left of an escape is inert text


def test_a_key_streamed_in_pieces_is_never_shown_or_logged(tmp_path, run_cli, server):
    from tests.scripted_server import Turn, tool_call

    echo = f"The key is {TEST_KEY}, and the base URL is http://hale:opensesame42@example.test/v1 today."
    for name in ("Shown", "Logged"):
        server.add(Turn(reasoning="Plan the book. " + echo, content="Nothing yet. " + echo,
                        tool_calls=[tool_call("create_project", project_name=name)]))
    shown = run_cli("write", "A mystery", "--max-iterations", "1")
    as_json = run_cli("write", "A second mystery", "--max-iterations", "1", "--json")
    logs = "".join(path.read_text(encoding="utf-8") for path in tmp_path.rglob("events.jsonl"))
    for output in (shown.stdout, as_json.stdout, logs):
        assert "Plan the book." in output and "Nothing yet." in output  # the stream was shown, and logged
        assert TEST_KEY not in output and TEST_KEY[:-1] not in output and "opensesame42" not in output
    assert "The key is sk-…, and the base URL is http://***@example.test/v1 today." in shown.stdout


def test_the_planner_cannot_write_through_a_folder_link_that_points_inside_the_project(tmp_path, server, run_cli):
    from tests.conftest import tool_results
    from tests.scripted_server import Turn, tool_call
    from tests.test_write_e2e import tool_turn

    project = tmp_path / "projects" / "Inside"
    (project / "chapters").mkdir(parents=True)
    (project / "current").symlink_to("chapters", target_is_directory=True)
    server.add(tool_turn(tool_call("create_project", project_name="Inside")),
               tool_turn(tool_call("write_file", filename="current/chapter_01.md", content="# Chapter 1\n\nFog.\n")),
               tool_turn(tool_call("write_file", filename="chapters/chapter_01.md", content="# Chapter 1\n\nFog.\n")),
               Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode in (0, 6), result.stdout + result.stderr
    results = tool_results(server)
    refused, written = results.get("call_2", ""), results.get("call_3", "")
    assert "current in " in refused and "is a link to a folder" in refused, refused
    assert "chapters/chapter_01.md" in written and (project / "current").is_symlink()
    assert (project / "chapters" / "chapter_01.md").read_text(encoding="utf-8") == "# Chapter 1\n\nFog.\n"
