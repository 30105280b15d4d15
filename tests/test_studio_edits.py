"""Editing through the studio's API: atomic saves, 409 on a conflict, 423 while a run holds the
book, every replaced text kept as a version, restore, and the exports as downloads."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest

from tests.sample_book import CHAPTERS, OUTLINE, write_sample_book
from tests.studio_server import Studio

BOOK = "Fog_Over_London"
FILES = f"/api/books/{BOOK}/files"


@pytest.fixture
def studio(tmp_path):
    root = write_sample_book(tmp_path / "projects")
    with Studio(tmp_path / "projects", tmp_path) as running:
        running.root = root
        yield running


def test_a_save_changes_the_file_and_keeps_the_old_text_as_a_version(studio):
    status, loaded = studio.json("GET", f"{FILES}/outline.md")
    new = OUTLINE + "4. The Trial - Hale testifies.\n"
    status, saved = studio.json("PUT", f"{FILES}/outline.md", {"text": new, "base_sha256": loaded["sha256"]})
    assert status == 200 and (studio.root / "outline.md").read_text(encoding="utf-8") == new
    assert saved["sha256"] != loaded["sha256"]
    status, versions = studio.json("GET", f"/api/books/{BOOK}/versions/outline.md")
    assert len(versions) == 1 and "+4. The Trial - Hale testifies." in versions[0]["diff"]
    assert not [name for name in os.listdir(studio.root) if name.endswith(".tmp")]
    assert studio.json("GET", f"/api/books/{BOOK}")[1]["planned_parts"] == 4


def test_a_save_over_a_file_changed_on_disk_is_409_and_changes_nothing(studio):
    loaded = studio.json("GET", f"{FILES}/chapter_1.md")[1]
    (studio.root / "chapter_1.md").write_text("# Chapter 1\n\nThe author's own change.\n", encoding="utf-8")
    status, answer = studio.json("PUT", f"{FILES}/chapter_1.md", {"text": "mine", "base_sha256": loaded["sha256"]})
    assert status == 409 and "changed on disk" in answer["error"]
    assert (studio.root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1\n\nThe author's own change.\n"


def test_a_save_while_a_run_holds_the_lock_is_423(studio):
    loaded = studio.json("GET", f"{FILES}/outline.md")[1]
    lock = studio.root / ".kimi_writer" / "lock"
    lock.parent.mkdir(exist_ok=True)
    lock.write_text(json.dumps({"pid": os.getpid(), "command": "kimi-writer write"}), encoding="utf-8")
    status, answer = studio.json("PUT", f"{FILES}/outline.md", {"text": "x", "base_sha256": loaded["sha256"]})
    assert status == 423 and "a run is working" in answer["error"]
    assert studio.json("GET", f"/api/books/{BOOK}")[1]["running"]["pid"] == os.getpid()
    assert b"running</span>" in studio.request("GET", "/")[2]
    lock.unlink()
    assert studio.json("PUT", f"{FILES}/outline.md", {"text": "x", "base_sha256": loaded["sha256"]})[0] == 200


def test_a_bad_body_is_400(studio):
    assert studio.request("PUT", f"{FILES}/outline.md", {"text": 3})[0] == 400
    assert studio.request("POST", f"/api/books/{BOOK}/versions/outline.md/restore", {"nope": 1})[0] == 400


def test_restore_puts_a_version_back_and_keeps_the_current_text(studio):
    name = "chapters/chapter_02.md"
    first = studio.json("GET", f"{FILES}/{name}")[1]
    studio.json("PUT", f"{FILES}/{name}", {"text": "# Chapter 2\n\nSecond draft.\n", "base_sha256": first["sha256"]})
    version = studio.json("GET", f"/api/books/{BOOK}/versions/{name}")[1][0]
    assert "-Inspector Hale did not believe the clerk." in version["diff"] and "+Second draft." in version["diff"]
    status, _ = studio.json("POST", f"/api/books/{BOOK}/versions/{name}/restore", {"version": version["version"]})
    assert status == 200 and (studio.root / name).read_text(encoding="utf-8") == CHAPTERS[name]
    versions = studio.json("GET", f"/api/books/{BOOK}/versions/{name}")[1]
    assert len(versions) == 2 and "Second draft." in versions[0]["diff"]
    assert studio.json("POST", f"/api/books/{BOOK}/versions/{name}/restore", {"version": "../../x"})[0] == 404


def test_the_exports_download(studio):
    status, headers, epub = studio.request("GET", f"/api/books/{BOOK}/export/epub")
    assert status == 200 and headers["content-type"] == "application/epub+zip"
    assert f'filename="{BOOK}.epub"' in headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        assert archive.read("mimetype") == b"application/epub+zip"
        assert any(b"Inspector Hale" in archive.read(name) for name in archive.namelist())
    status, _, text = studio.request("GET", f"/api/books/{BOOK}/export/md")
    assert status == 200 and text.decode().startswith("# Fog Over London")
    status, _, docx = studio.request("GET", f"/api/books/{BOOK}/export/docx")
    assert status == 200 and docx[:2] == b"PK"
    assert b"<h1" in studio.request("GET", f"/api/books/{BOOK}/export/html")[2]
    assert studio.request("GET", f"/api/books/{BOOK}/export/pdf")[0] == 404
    assert not list(studio.root.glob(f"{BOOK}.*"))  # nothing left in the book's folder
