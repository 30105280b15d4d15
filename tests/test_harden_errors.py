"""Hardening: hostile input ends in one sentence or a tool result, never a traceback (issue 28, part 3)."""

from __future__ import annotations

import json

from tests.conftest import tool_results
from tests.sample_book import write_sample_book
from tests.scripted_server import ToolCall, Turn, tool_call
from tests.test_revise import scored

NESTED = "[" * 5_000 + "]" * 5_000


def test_deeply_nested_tool_arguments_are_a_rejected_call_and_the_run_goes_on(tmp_path, server, run_cli):
    server.add(
        Turn(reasoning="r", tool_calls=[tool_call("create_project", project_name="Deep")]),
        Turn(reasoning="r", tool_calls=[ToolCall("write_file", '{"filename": "a.md", "content": "x", "extra": ' + NESTED + "}")]),
        Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="b.md", content="fine")]),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "not valid JSON" in tool_results(server)["call_2"] and "nested" in tool_results(server)["call_2"]
    assert not (tmp_path / "projects/Deep/a.md").exists()
    assert (tmp_path / "projects/Deep/b.md").read_text(encoding="utf-8") == "fine"
    sent = server.requests[-1]["messages"]
    assert all(call["function"]["arguments"] == "{}" for m in sent for call in m.get("tool_calls") or []
               if call["id"] == "call_2")


def test_a_deeply_nested_critic_reply_is_a_malformed_review_asked_again(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    deep = Turn(reasoning="r", tool_calls=[ToolCall("submit_review", '{"scores": ' + NESTED + "}")])
    server.add(deep, scored(6))
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 0, result.stderr
    assert json.loads((root / ".kimi_writer/reviews/chapter_1.json").read_text(encoding="utf-8"))["overall"] == 6.0
    assert "nested" in str(server.requests[1]["messages"][-1]["content"])


def test_deeply_nested_markdown_exports_in_every_format(tmp_path, run_cli):
    root = write_sample_book(tmp_path / "projects")
    lists = "\n".join("    " * level + "- deeper" for level in range(300))
    quotes = "\n".join("> " * level + "quoted" for level in range(1, 301))
    (root / "chapter_1.md").write_text(f"# Chapter 1: The Fog\n\n{lists}\n\n{quotes}\n", encoding="utf-8")
    for fmt in ("html", "epub", "docx"):
        result = run_cli("export", str(root), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and (root / f"Fog_Over_London.{fmt}").stat().st_size > 0
    html = (root / "Fog_Over_London.html").read_text(encoding="utf-8")
    assert html.count("deeper") == 300 and html.count("quoted") == 300


def test_a_huge_chapter_range_is_refused_before_it_is_expanded(tmp_path, run_cli):
    root = write_sample_book(tmp_path / "projects")
    result = run_cli("review", str(root), "--chapters", "1-10000000", "--mechanical-only",
                     env={"KIMI_WRITER_API_KEY": ""}, preexec_fn=lambda: __import__("resource").setrlimit(
                         __import__("resource").RLIMIT_AS, (400 << 20, 400 << 20)))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "Error: the outline has no chapters 4 to 10000000; see kimi-writer status."


def test_a_book_without_an_outline_chooses_chapters_by_their_files_numbers(tmp_path, run_cli):
    root = tmp_path / "projects" / "Loose"
    root.mkdir(parents=True)
    for number in (1, 2, 7):
        (root / f"chapter_{number:02d}.md").write_text(f"# Chapter {number}\n\nThe fog, again.\n", encoding="utf-8")
    chosen = run_cli("review", "Loose", "--chapters", "2,7", "--mechanical-only", "--json")
    assert chosen.returncode == 0, chosen.stderr
    assert [c["file"] for c in __import__("json").loads(chosen.stdout)["chapters"]] == ["chapter_02.md", "chapter_07.md"]
    refused = run_cli("review", "Loose", "--chapters", "3", "--mechanical-only")
    assert (refused.returncode, refused.stderr) == (2, "Error: the book has no chapter 3; see kimi-writer status.\n")


def test_export_md_never_replaces_a_file_it_did_not_write_without_force(tmp_path, run_cli):
    root = write_sample_book(tmp_path / "projects")
    target = root / "Fog_Over_London.md"
    target.write_text("# Notes the model wrote\n\nKeep me.\n", encoding="utf-8")
    refused = run_cli("export", str(root), "--format", "md")
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert target.read_text(encoding="utf-8") == "# Notes the model wrote\n\nKeep me.\n"
    forced = run_cli("export", str(root), "--format", "md", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "The fog came up the river at dusk." in target.read_text(encoding="utf-8")
    again = run_cli("export", str(root), "--format", "md")  # its own file, unchanged: replaced freely
    assert again.returncode == 0, again.stderr
    target.write_text(target.read_text(encoding="utf-8") + "\nThe author's addition.\n", encoding="utf-8")
    assert run_cli("export", str(root), "--format", "md").returncode == 2


def small_disk(limit: int):
    """A preexec_fn: files the CLI writes may not grow past `limit` bytes (EFBIG, as a full disk would)."""
    def limit_files() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_files


def no_leftovers(root) -> None:
    assert not (root / ".kimi_writer" / "lock").exists()
    assert not [path for path in root.rglob("*.tmp")]


def test_a_full_disk_in_review_is_one_sentence_and_exit_4(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    server.add(scored(5))
    result = run_cli("review", str(root), "--chapters", "1", preexec_fn=small_disk(600))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "could not be saved" in result.stdout
    no_leftovers(root)


def test_a_full_disk_in_revise_replaces_nothing_and_exits_4(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    original = "# Chapter 1: The Fog\n\n" + "The fog came up the river at dusk. " * 200 + "\n"
    (root / "chapter_1.md").write_text(original, encoding="utf-8")
    server.add(scored(5))
    result = run_cli("revise", str(root), "--chapters", "1", preexec_fn=small_disk(4_000))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "could not save" in result.stdout
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == original
    no_leftovers(root)


def test_a_full_disk_when_taking_the_lock_leaves_no_lock(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    result = run_cli("review", str(root), "--chapters", "1", preexec_fn=small_disk(0))
    assert result.returncode in (2, 4), result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    no_leftovers(root)
    assert server.requests == []


def started_book(server, run_cli, tmp_path, name: str, chapter: str, outline: str):
    """A book whose first run stopped after three iterations: the project, its outline and chapter 1."""
    server.add(Turn(reasoning="r", tool_calls=[tool_call("create_project", project_name=name)]),
               Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="outline.md", content=outline)]),
               Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="chapter_01.md", content=chapter)]))
    assert run_cli("write", "x", "--max-iterations", "3").returncode == 3
    return tmp_path / "projects" / name


def test_a_revision_cut_short_while_saving_the_session_is_never_taken_for_the_authors_edit(tmp_path, server,
                                                                                           run_cli):
    from tests.conftest import user_message

    root = started_book(server, run_cli, tmp_path, "Cut", "# Chapter 1: The Fog\n\nThe fog came up the river at dusk.\n",
                        "# Outline\n\n1. The Fog: a body.\n")
    assert (root / ".kimi_writer" / "session.json").stat().st_size > 4_000  # larger than the limit below
    server.add(scored(5), Turn(content="# Chapter 1: The Fog\n\nBetter.\n", usage=(2_000, 500)), scored(8))
    cut = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1", preexec_fn=small_disk(3_000))
    assert "Traceback" not in cut.stderr and cut.returncode == 4, cut.stdout + cut.stderr
    server.add(Turn(content="done"))
    resumed = run_cli("write", "--recover", str(root))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "chapter_01.md: changed" not in user_message(server.requests[-1], "[Resumed]")


def test_a_full_disk_in_write_recover_exits_4_and_a_later_recover_goes_on(tmp_path, server, run_cli):
    root = started_book(server, run_cli, tmp_path, "Full",
                        "# Chapter 1: The Fog\n\n" + "The fog came up the river at dusk. " * 40 + "\n",
                        "# Outline\n\n1. The Fog: a body.\n2. The Docks.\n")
    kept = {path: path.read_bytes() for path in (root / "chapter_01.md", root / ".kimi_writer" / "session.json")}
    assert kept[root / ".kimi_writer" / "session.json"].__len__() > 3_000  # larger than the limit below
    server.add(Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="chapter_02.md",
                                                         content="# Chapter 2: The Docks\n\nHale went down.\n")]))
    full = run_cli("write", "--recover", str(root), "--max-iterations", "5", preexec_fn=small_disk(3_000))
    assert full.returncode == 4, full.stdout + full.stderr
    assert "Traceback" not in full.stdout + full.stderr and "while saving" in full.stdout
    assert f"Resume with: kimi-writer write --recover {root}" in full.stdout
    assert all(path.read_bytes() == data for path, data in kept.items())  # nothing written was lost
    no_leftovers(root)
    server.add(Turn(content="done"))
    again = run_cli("write", "--recover", str(root), "--max-iterations", "5")
    assert again.returncode in (0, 6), again.stdout + again.stderr
    assert (root / "chapter_01.md").read_bytes() == kept[root / "chapter_01.md"]
    assert "Hale went down." in (root / "chapter_02.md").read_text(encoding="utf-8")  # written before the disk filled
