"""The studio over HTTP, the real server in a subprocess: the token, the Host, the origin, the sandbox,
no key in any answer, the pages and the JSON API over the book's files."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import pytest

from tests.conftest import CLI, TEST_KEY, clean_env
from tests.sample_book import CHAPTERS, write_sample_book
from tests.studio_server import Studio, save_review

BOOK = "Fog_Over_London"
SCORES = {"character": 7, "setting": 8, "stakes": 6, "pacing": 7, "prose": 5, "outline_fidelity": 9,
          "character_consistency": 8, "world_consistency": 8, "continuity": 7}
HOSTILE = ('# Chapter 4: Hostile\n\n<script>window.pwned = 1</script>\n\n<img src=x onerror="window.pwned=2">\n\n'
           '[click](javascript:window.pwned=3) and <a href="javascript:alert(1)">this</a>.\n')
GET_ROUTES = ["/", f"/books/{BOOK}", f"/books/{BOOK}/chapters/chapter_1.md", f"/books/{BOOK}/ledger", "/runs/x",
              "/static/studio.js", "/api/books", f"/api/books/{BOOK}", f"/api/books/{BOOK}/files/outline.md",
              f"/api/books/{BOOK}/versions/chapter_1.md", f"/api/books/{BOOK}/export/epub", "/api/runs/x/events"]
CHANGE_ROUTES = [("PUT", f"/api/books/{BOOK}/files/outline.md"), ("POST", f"/api/books/{BOOK}/versions/chapter_1.md/restore"),
                 ("POST", "/api/runs"), ("POST", "/api/runs/x/stop")]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    home = tmp_path_factory.mktemp("studio")
    root = write_sample_book(home / "projects")
    (root / "chapter_04.md").write_text(HOSTILE, encoding="utf-8")
    save_review(root, "chapter_1.md", SCORES, "The fog came up the river at dusk.")
    (home / "outside.md").write_text("secret outside the books\n", encoding="utf-8")
    os.symlink(home / "outside.md", root / "chapter_09.md")
    os.symlink(home, home / "projects" / "Escape")
    with Studio(home / "projects", home) as running:
        running.root = root
        yield running


def test_no_token_is_403_on_every_route(studio):
    for path in GET_ROUTES:
        assert studio.request("GET", path, auth=False)[0] == 403, path
        assert studio.request("GET", path, headers={"Authorization": "Bearer wrong"}, auth=False)[0] == 403, path
        assert studio.request("GET", path, headers={"Cookie": "kimi_studio=wrong"}, auth=False)[0] == 403, path
    for method, path in CHANGE_ROUTES:
        assert studio.request(method, path, {}, auth=False, headers={"Origin": studio.base})[0] == 403, path


def test_the_token_in_the_url_becomes_an_httponly_strict_cookie_that_opens_every_page(studio):
    status, headers, _ = studio.request("GET", f"/books/{BOOK}?token={studio.token}", auth=False)
    assert status == 303 and headers["location"] == f"/books/{BOOK}"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"kimi_studio={studio.token};") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    for path in GET_ROUTES[:6]:
        status = studio.request("GET", path, auth=False, headers={"Cookie": f"kimi_studio={studio.token}"})[0]
        assert status in (200, 404), path  # /runs/x is a page for any id
    assert studio.request("GET", "/", auth=False, headers={"Cookie": f"kimi_studio={studio.token}"})[0] == 200


def test_a_foreign_host_is_403_and_localhost_is_served(studio):
    assert studio.request("GET", "/api/books", headers={"Host": f"evil.example:{studio.port}"})[0] == 403
    assert studio.request("GET", "/api/books", headers={"Host": "127.0.0.1:1"})[0] == 403
    assert studio.request("GET", "/api/books", headers={"Host": f"localhost:{studio.port}"})[0] == 200


def test_a_cross_origin_change_is_403_and_a_same_origin_one_is_not(studio):
    cookie = {"Cookie": f"kimi_studio={studio.token}"}
    path = f"/api/books/{BOOK}/files/outline.md"
    body = {"text": "x", "base_sha256": "0"}
    assert studio.request("PUT", path, body, auth=False, headers={**cookie, "Origin": "http://evil.example"})[0] == 403
    assert studio.request("PUT", path, body, auth=False, headers=cookie)[0] == 403  # no Origin at all
    assert studio.request("DELETE", path, auth=False, headers={**cookie, "Origin": studio.base})[0] == 403
    assert studio.request("PUT", path, body, auth=False, headers={**cookie, "Origin": studio.base})[0] == 409
    # the token in a header does not let another site change anything
    assert studio.request("PUT", path, body, headers={"Origin": "http://evil.example"})[0] == 403
    assert studio.request("POST", "/api/runs", {"command": "review", "book": "x"},
                          headers={"Origin": "http://evil.example"})[0] == 403


def test_names_that_leave_the_books_are_404(studio):
    for path in ["/api/books/..%2F..%2Fetc/files/outline.md", "/api/books/../files/outline.md",
                 "/api/books/Escape/files/outside.md", f"/api/books/{BOOK}/files/..%2F..%2Foutside.md",
                 f"/api/books/{BOOK}/files/../../outside.md", f"/api/books/{BOOK}/files/chapter_09.md",
                 f"/api/books/{BOOK}/files/.kimi_writer/reviews/chapter_1.json", f"/api/books/{BOOK}/files/characters.md",
                 f"/books/{BOOK}/chapters/chapter_09.md", "/books/Escape", f"/api/books/{BOOK}/versions/..%2Foutline.md"]:
        status, _, body = studio.request("GET", path)
        assert status == 404 and b"secret outside" not in body, path
    names = [book["name"] for book in studio.json("GET", "/api/books")[1]]
    assert names == [BOOK]


def test_the_key_appears_in_no_answer_and_the_page_says_it_is_set(studio):
    for path in GET_ROUTES + ["/api/runs/x"]:
        _, headers, body = studio.request("GET", path)
        assert TEST_KEY.encode() not in body and TEST_KEY not in json.dumps(headers), path
    assert b"API key set" in studio.request("GET", "/")[2]


def test_every_answer_carries_the_content_security_policy(studio):
    for path in ["/", f"/books/{BOOK}", "/api/books", "/static/studio.css"]:
        policy = studio.request("GET", path)[1]["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy


def test_hostile_html_in_a_chapter_is_shown_as_text(studio):
    status, _, body = studio.request("GET", f"/books/{BOOK}/chapters/chapter_04.md")
    page = body.decode()
    article = page.split('<article class="manuscript"', 1)[1].split("</article>", 1)[0]
    assert status == 200 and "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in article
    tags = re.findall(r"<[a-z][^>]*>", article)
    assert tags and not [tag for tag in tags if re.match(r"<(script|img)", tag) or "javascript" in tag or " on" in tag]
    assert page.count("<script") == 1  # the studio's own script, by src


def test_the_bookshelf_book_and_chapter_pages(studio):
    shelf = studio.request("GET", "/")[2].decode()
    assert f'data-test="book" data-name="{BOOK}"' in shelf and "Fog Over London" in shelf
    assert "4 of 3 planned" not in shelf and "3 of 3 planned chapters" in shelf
    book = studio.request("GET", f"/books/{BOOK}")[2].decode()
    assert 'data-test="chapter" data-file="chapters/chapter_02.md"' in book and 'data-test="outline"' in book
    assert "The Docks: Hale does not believe the clerk." in book and book.count("<svg") == 2
    assert ">7.2<" in book  # chapter_1's score
    chapter = studio.request("GET", f"/books/{BOOK}/chapters/chapter_1.md")[2].decode()
    assert '<mark class="note" data-note="0">The fog came up the river at dusk.</mark>' in chapter
    assert 'data-test="score">7.2<' in chapter and "flat sentences" in chapter


def test_the_api_shows_the_books_and_their_files(studio):
    status, books = studio.json("GET", "/api/books")
    assert status == 200 and books[0]["planned_parts"] == 3 and books[0]["running"] is None
    status, book = studio.json("GET", f"/api/books/{BOOK}")
    assert book["outline"].startswith("# Fog Over London") and book["parts"][0]["score"] == 7.22
    status, found = studio.json("GET", f"/api/books/{BOOK}/files/chapters/chapter_02.md")
    assert status == 200 and found["text"] == CHAPTERS["chapters/chapter_02.md"] and len(found["sha256"]) == 64


def test_the_lint_findings_per_chapter_come_after_the_page(studio):
    status, counts = studio.json("GET", f"/api/books/{BOOK}/lint")
    assert status == 200 and counts["chapters/chapter_02.md"] >= 1  # "a testament to"
    assert set(counts) == {"chapter_1.md", "chapters/chapter_02.md", "ch3.md", "chapter_04.md"}
    book = studio.request("GET", f"/books/{BOOK}")[2].decode()  # now cached: shown in the page itself
    assert f'data-test="lint" data-file="chapters/chapter_02.md">{counts["chapters/chapter_02.md"]}<' in book


def test_ctrl_c_stops_the_studio_cleanly_and_another_host_is_warned(tmp_path):
    (tmp_path / "projects").mkdir()
    with Studio(tmp_path / "projects", tmp_path) as running:
        assert running.request("GET", "/api/books")[0] == 200
        code = running.stop()
        assert code == 0 and running.process.stdout.read().strip() == "Studio stopped."
    wide = subprocess.Popen([str(CLI), "studio", "--host", "0.0.0.0", "--port", "0", "--no-browser",
                             "--projects-dir", str(tmp_path / "projects")], env=clean_env(tmp_path), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert wide.stdout.readline().startswith("Studio: http://0.0.0.0:")
    wide.send_signal(signal.SIGINT)
    assert "Warning: the studio listens on 0.0.0.0" in wide.communicate(timeout=60)[1]


def test_a_port_in_use_is_one_sentence_and_exit_2(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([str(CLI), "studio", "--port", str(port), "--no-browser", "--projects-dir",
                                 str(tmp_path)], env=clean_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "pick another --port" in result.stderr and "Traceback" not in result.stderr
