"""Compact context: landed writes become stubs; every request carries outline, bible, summaries (the book's
memory, early in the request) and the latest chapter's end (the book context, last)."""

from __future__ import annotations

import json
import random

from tests.conftest import assert_clean_protocol
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn
from kimi_writer.loop.book_context import CONTEXT_TAIL_WORDS

WORDS = "fog lamp river docks ledger brother clerk bridge dawn pipe coat rain stone bell".split()


def prose(seed: int, words: int) -> str:
    rng = random.Random(seed)
    sentences, count = [], 0
    while count < words:
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
        sentences.append(" ".join(sentence).capitalize() + ".")
        count += len(sentence)
    return " ".join(sentences)


OUTLINE = "# Outline\n\n" + "".join(f"{n}. **Part {n}** — the {WORDS[n]} matters.\n" for n in range(1, 6))
BIBLE = "# Characters\n\nHale: an inspector who never smokes.\n"
BODIES = {n: prose(n, 800) for n in range(1, 6)}  # one line each, so it shows verbatim in JSON
CHAPTERS = {n: f"# Chapter {n}\n\n{body}\n" for n, body in BODIES.items()}


def tail(text: str, words: int = 500) -> str:
    return " ".join(text.split()[-words:])


def test_chapter_requests_carry_outline_and_previous_tail_and_no_old_text(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Compact")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE),
                  tool_call("write_file", filename="characters.md", content=BIBLE)),
    )
    for n, text in CHAPTERS.items():
        arguments = {"filename": f"chapter_{n:02d}.md", "content": text}
        if n % 2:
            arguments["summary"] = f"Hale follows the {WORDS[n]}."
        server.add(tool_turn(tool_call("write_file", **arguments)))
    server.add(Turn(content="done"))

    result = run_cli("write", "A five-part mystery")
    assert result.returncode == 0, result.stdout + result.stderr
    for n, text in CHAPTERS.items():
        assert (tmp_path / f"projects/Compact/chapter_{n:02d}.md").read_text() == text

    for n in CHAPTERS:  # request 2 + (n - 1) is answered by the write of chapter n
        sent = json.dumps(server.requests[1 + n], ensure_ascii=False)
        # what changes least comes first, for the prompt cache (issue 26): the book's memory right
        # after the system prompt and the request, the context that moves with each chapter last
        memory = server.requests[1 + n]["messages"][2]["content"]
        context = server.requests[1 + n]["messages"][-1]["content"]
        assert memory.startswith("[Book memory]") and context.startswith("[Book context]")
        assert OUTLINE.strip() in memory and "Hale: an inspector who never smokes." in memory
        if n > 1:
            assert tail(CHAPTERS[n - 1], CONTEXT_TAIL_WORDS) in context
            assert f"End of chapter_{n - 1:02d}.md" in context
        for earlier in range(1, n):
            assert BODIES[earlier] not in sent  # whole chapters never ride along again
            summary = f"Hale follows the {WORDS[earlier]}." if earlier % 2 else BODIES[earlier].split(". ")[0] + ". … "
            assert summary in memory
    last = server.requests[-1]["messages"]
    stub = json.loads(last[-3]["tool_calls"][0]["function"]["arguments"])["content"]
    assert stub.startswith("[") and "words saved to chapter_05.md" in stub and "read_file" in stub
    state = json.loads((tmp_path / "projects/Compact/.kimi_writer/session.json").read_text())
    assert all(body not in json.dumps(state, ensure_ascii=False) for body in BODIES.values())
    assert_clean_protocol(server)


def test_full_context_keeps_the_original_behaviour(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Full")),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTERS[1])),
        tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTERS[2])),
        Turn(content="done"),
    )
    assert run_cli("write", "x", "--context", "full").returncode == 0
    last = server.requests[-1]["messages"]
    assert not any(str(m.get("content", "")).startswith("[Book context]") for m in last)
    arguments = [json.loads(c["function"]["arguments"]) for m in last for c in m.get("tool_calls") or []]
    assert [a.get("content") for a in arguments[1:]] == [CHAPTERS[1], CHAPTERS[2]]
    assert len(last) == 2 + 3 * 2  # system, task, then three turns of (assistant, tool)
    assert_clean_protocol(server)


def test_full_context_counts_on_the_servers_usage_until_the_history_is_rewritten(server, run_cli, tmp_path):
    """The server says the first request and reply came to 60,010 tokens (far more than an offline
    count): in full context that figure measures the history, so the next request is compressed
    first; once compressed, the new history is counted afresh and the run goes on."""
    server.add(tool_turn(tool_call("create_project", project_name="Counted"), usage=(60_000, 10)),
               Turn(content="Hale opened a project."), Turn(content="done"))
    result = run_cli("write", "x", "--context", "full", "--compress-at", "50000")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Compressing 4 older messages into a summary" in result.stdout and result.stdout.count("Compressing") == 1
    assert "tools" not in server.requests[1] and "tools" in server.requests[2]
    assert server.requests[2]["messages"][2]["content"].startswith("[Context summary]")
    assert_clean_protocol(server)
