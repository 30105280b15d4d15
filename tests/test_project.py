"""The project folder: the path sandbox, the write modes, the file listing and atomic writes."""

from __future__ import annotations

import os

import pytest

from kimi_writer.book import project as project_module
from kimi_writer.book.project import FileInfo, PathRefused, Project, ProjectError, sanitize_project_name


@pytest.fixture
def outside(tmp_path):
    """A folder next to the project that no filename may reach."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    return Project(root)


def listing(folder):
    return sorted(os.listdir(folder))


# --- '..' -------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["../x.md", "a/../../x.md", "a/..", "a/../b.md", "chapters/../../../etc/passwd.md"])
def test_dot_dot_anywhere_is_refused(project, filename):
    with pytest.raises(PathRefused, match=r"uses '\.\.'; files must stay inside the project"):
        project.resolve(filename)


def test_dot_dot_write_creates_nothing_outside(project, tmp_path):
    with pytest.raises(PathRefused):
        project.write("../escaped.md", "text", "create")
    assert not (tmp_path / "escaped.md").exists()
    assert listing(project.root) == []


# --- absolute paths and backslashes -----------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    ["/tmp/x.md", "C:\\x.md", "C:x.md", "c:/x.md", "chapters\\x.md", "..\\x.md", "\\\\server\\share\\x.md", "//x.md"],
)
def test_absolute_paths_and_backslashes_are_refused(project, filename):
    with pytest.raises(PathRefused, match="is absolute; use a path relative to the project"):
        project.resolve(filename)


def test_absolute_write_creates_nothing(project, outside):
    target = outside / "x.md"
    with pytest.raises(PathRefused, match="is absolute"):
        project.write(str(target), "text", "create")
    assert not target.exists()


def test_absolute_path_with_leading_space_is_reported_as_absolute(project):
    with pytest.raises(PathRefused, match="is absolute"):
        project.resolve(" /tmp/x.md")


def test_absolute_path_with_leading_space_is_still_refused(project, outside):
    target = outside / "x.md"
    with pytest.raises(PathRefused):
        project.write(" " + str(target), "text", "create")
    assert not target.exists()


# --- symlinks ---------------------------------------------------------------------------


def test_directory_symlink_pointing_outside_is_refused(project, outside):
    (project.root / "linkdir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathRefused, match=r"points outside the project \(through a link\)"):
        project.write("linkdir/x.md", "text", "create")
    assert listing(outside) == []


def test_file_symlink_pointing_outside_is_refused_for_write_and_read(project, outside):
    secret = outside / "secret.md"
    secret.write_text("the secret", encoding="utf-8")
    (project.root / "leak.md").symlink_to(secret)
    with pytest.raises(PathRefused, match="points outside the project"):
        project.write("leak.md", "overwritten", "overwrite")
    with pytest.raises(PathRefused, match="points outside the project"):
        project.write("leak.md", " more", "append")
    with pytest.raises(PathRefused, match="points outside the project"):
        project.read("leak.md")
    assert secret.read_text(encoding="utf-8") == "the secret"


def test_dangling_symlink_pointing_outside_is_refused(project, outside):
    (project.root / "ghost.md").symlink_to(outside / "not_yet.md")
    with pytest.raises(PathRefused, match="points outside the project"):
        project.write("ghost.md", "text", "create")
    assert not (outside / "not_yet.md").exists()


def test_file_symlink_pointing_inside_is_read_but_never_written_through(project):
    (project.root / "real.md").write_text("real text", encoding="utf-8")
    (project.root / "alias.md").symlink_to("real.md")
    assert project.resolve("alias.md") == project.root / "real.md"
    assert project.read("alias.md") == ("real.md", "real text")
    with pytest.raises(PathRefused, match="alias.md .* is a link; kimi-writer never writes through a link"):
        project.write("alias.md", "new text here", "overwrite")
    assert (project.root / "real.md").read_text(encoding="utf-8") == "real text"
    assert (project.root / "alias.md").is_symlink()


def test_directory_symlink_pointing_inside_is_read_but_never_written_through(project):
    (project.root / "chapters").mkdir()
    (project.root / "chapters" / "chapter_01.md").write_text("one two", encoding="utf-8")
    (project.root / "current").symlink_to("chapters", target_is_directory=True)
    assert project.read("current/chapter_01.md") == ("chapters/chapter_01.md", "one two")
    with pytest.raises(PathRefused, match="current in .* is a link to a folder; kimi-writer never writes through"):
        project.write("current/chapter_02.md", "three four", "create")
    assert not (project.root / "chapters" / "chapter_02.md").exists()


def test_a_link_to_a_folder_anywhere_in_the_state_folder_is_refused(project):
    (project.root / ".kimi_writer" / "versions").mkdir(parents=True)
    (project.root / "drafts").mkdir()
    (project.root / ".kimi_writer" / "versions" / "chapter_1").symlink_to(project.root / "drafts")
    with pytest.raises(PathRefused, match="chapter_1 is a link to a folder; kimi-writer never writes through a link"):
        project.check_state_dir()


def test_files_does_not_follow_directory_symlink_outside(project, outside):
    (outside / "secret.md").write_text("one two three", encoding="utf-8")
    (project.root / "linkdir").symlink_to(outside, target_is_directory=True)
    assert project.files() == []


def test_files_leaves_out_file_symlink_pointing_outside(project, outside):
    (outside / "secret.md").write_text("one two three", encoding="utf-8")
    (project.root / "leak.md").symlink_to(outside / "secret.md")
    assert project.files() == []


# --- control characters, empty names, hidden files --------------------------------------


@pytest.mark.parametrize("filename", ["a\x00b.md", "chapter\n01.md", "x\x7f.md", "x\r.md", "x\x1b[31m.md"])
def test_control_characters_are_refused(project, filename):
    with pytest.raises(PathRefused, match="contains control characters"):
        project.resolve(filename)


@pytest.mark.parametrize("filename", ["", " ", "   \t  ", None])
def test_empty_or_whitespace_names_are_refused(project, filename):
    with pytest.raises(PathRefused, match="filename is empty; give a name like 'chapter_01.md'"):
        project.resolve(filename)


@pytest.mark.parametrize("filename", [".", "./"])
def test_dot_alone_is_refused(project, filename):
    with pytest.raises(PathRefused):
        project.resolve(filename)


@pytest.mark.parametrize(
    "filename", [".kimi_writer/session.json", ".kimi_writer/notes.md", ".env", ".draft.md", "chapters/.draft.md"]
)
def test_hidden_files_are_refused(project, filename):
    with pytest.raises(PathRefused, match="names a hidden file; hidden files are reserved"):
        project.resolve(filename)


def test_state_file_cannot_be_overwritten(project):
    state = project.state_dir / "session.json"
    state.parent.mkdir()
    state.write_text('{"ok": true}', encoding="utf-8")
    with pytest.raises(PathRefused):
        project.write(".kimi_writer/session.json", "garbage", "overwrite")
    assert state.read_text(encoding="utf-8") == '{"ok": true}'


# --- suffixes and subfolders ------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("outline", "outline.md"),
        ("chapters/chapter_01", "chapters/chapter_01.md"),
        ("notes.txt", "notes.txt"),
        ("Notes.TXT", "Notes.TXT"),
        ("outline.md", "outline.md"),
        ("README.MD", "README.MD"),
        (" outline.md ", "outline.md"),
    ],
)
def test_allowed_suffixes(project, filename, expected):
    assert project.resolve(filename) == project.root / expected


@pytest.mark.parametrize(("filename", "suffix"), [("x.py", ".py"), ("x.MD.exe", ".exe"), ("data.json", ".json"), ("x.md.sh", ".sh")])
def test_other_suffixes_are_refused(project, filename, suffix):
    with pytest.raises(PathRefused) as refused:
        project.resolve(filename)
    assert f"has the suffix {suffix!r}; only .md and .txt files can be written" in str(refused.value)


def test_name_without_suffix_is_written_as_md(project):
    assert project.write("outline", "a b c", "create") == ("outline.md", 3)
    assert listing(project.root) == ["outline.md"]


def test_subfolder_is_created(project):
    assert project.write("chapters/chapter_01.md", "It was a dark night.", "create") == ("chapters/chapter_01.md", 5)
    assert (project.root / "chapters").is_dir()
    assert (project.root / "chapters" / "chapter_01.md").read_text(encoding="utf-8") == "It was a dark night."


def test_nested_subfolders_are_created(project):
    project.write("part_1/chapters/chapter_01.md", "x", "create")
    assert (project.root / "part_1" / "chapters" / "chapter_01.md").read_text(encoding="utf-8") == "x"


# --- write modes ------------------------------------------------------------------------


def test_create_on_existing_file_refuses_and_names_append_and_overwrite(project):
    project.write("outline.md", "first", "create")
    with pytest.raises(FileExistsError) as exists:
        project.write("outline.md", "second", "create")
    message = str(exists.value)
    assert message == "outline.md already exists; use mode 'append' to add to it or 'overwrite' to replace it"
    assert "'append'" in message and "'overwrite'" in message
    assert (project.root / "outline.md").read_text(encoding="utf-8") == "first"


def test_create_on_existing_folder_refuses(project):
    (project.root / "chapters.md").mkdir()
    with pytest.raises(FileExistsError, match="chapters.md is a folder, not a file"):
        project.write("chapters.md", "text", "overwrite")


def test_append_on_missing_file_creates_it(project):
    assert project.write("notes.md", "first line\n", "append") == ("notes.md", 2)
    assert (project.root / "notes.md").read_text(encoding="utf-8") == "first line\n"


def test_append_adds_to_the_end_and_counts_the_whole_file(project):
    project.write("notes.md", "one two\n", "create")
    assert project.write("notes.md", "three four five\n", "append") == ("notes.md", 5)
    assert (project.root / "notes.md").read_text(encoding="utf-8") == "one two\nthree four five\n"


def test_overwrite_replaces(project):
    project.write("outline.md", "old old old old", "create")
    assert project.write("outline.md", "new", "overwrite") == ("outline.md", 1)
    assert (project.root / "outline.md").read_text(encoding="utf-8") == "new"


def test_overwrite_on_missing_file_creates_it(project):
    assert project.write("outline.md", "fresh text", "overwrite") == ("outline.md", 2)
    assert (project.root / "outline.md").read_text(encoding="utf-8") == "fresh text"


def test_write_keeps_text_exactly(project):
    text = "Line one\r\nLine two\n\n  indented — “quoted” café\n"
    project.write("chapter.md", text, "create")
    assert (project.root / "chapter.md").read_bytes() == text.encode("utf-8")


def test_read_returns_the_text(project):
    text = "Line one\nLine two\n\n  indented — “quoted” café\n"
    project.write("chapter.md", text, "create")
    assert project.read("chapter.md") == ("chapter.md", text)


def test_append_does_not_change_the_earlier_text(project):
    project.write("chapter.md", "Line one\r\nLine two\r\n", "create")
    project.write("chapter.md", "Line three\r\n", "append")
    assert (project.root / "chapter.md").read_bytes() == b"Line one\r\nLine two\r\nLine three\r\n"


def test_read_missing_file(project):
    with pytest.raises(FileNotFoundError) as missing:
        project.read("nothing.md")
    assert str(missing.value) == "nothing.md does not exist; call list_files to see the files"


def test_read_a_folder_is_not_found(project):
    (project.root / "chapters.md").mkdir()
    with pytest.raises(FileNotFoundError, match="chapters.md does not exist"):
        project.read("chapters.md")


def test_write_where_the_parent_is_a_file(project):
    (project.root / "notes.md").write_text("keep me", encoding="utf-8")
    with pytest.raises((FileExistsError, NotADirectoryError)):
        project.write("notes.md/x.md", "text", "create")
    with pytest.raises((FileExistsError, NotADirectoryError)):
        project.write("notes.md/sub/x.md", "text", "create")
    assert (project.root / "notes.md").read_text(encoding="utf-8") == "keep me"
    assert listing(project.root) == ["notes.md"]


# --- files() ----------------------------------------------------------------------------


def test_files_lists_manuscripts_with_exact_word_counts(project):
    root = project.root
    (root / "chapters").mkdir()
    (root / "chapters" / "chapter_01.md").write_text("It was a dark and stormy night.", encoding="utf-8")
    (root / "outline.md").write_text("one  two\nthree\tfour\n", encoding="utf-8")
    (root / "notes.TXT").write_text("Café au lait", encoding="utf-8")
    (root / "empty.md").write_text("", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / "script.py").write_text("print('x')", encoding="utf-8")
    (root / "outline.md.bak").write_text("old words", encoding="utf-8")
    (root / ".hidden.md").write_text("hidden words", encoding="utf-8")
    (root / ".kimi_writer").mkdir()
    (root / ".kimi_writer" / "session.json").write_text("{}", encoding="utf-8")
    (root / ".kimi_writer" / "summary.md").write_text("state words", encoding="utf-8")
    (root / "drafts" / ".old").mkdir(parents=True)
    (root / "drafts" / ".old" / "draft.md").write_text("old draft", encoding="utf-8")
    (root / "folder.md").mkdir()

    assert project.files() == [
        FileInfo("chapters/chapter_01.md", 7, 31),
        FileInfo("empty.md", 0, 0),
        FileInfo("notes.TXT", 3, len("Café au lait".encode("utf-8"))),
        FileInfo("outline.md", 4, 20),
    ]


def test_files_of_an_empty_project(project):
    assert project.files() == []


def test_files_reports_words_after_writes(project):
    project.write("chapter.md", "one two three", "create")
    project.write("chapter.md", " four", "append")
    assert project.files() == [FileInfo("chapter.md", 4, len("one two three four"))]


# --- atomic writes ----------------------------------------------------------------------


def test_atomic_write_leaves_no_temporary_file(project):
    project.write("chapters/chapter_01.md", "text", "create")
    project.write("chapters/chapter_01.md", " more", "append")
    project.write("chapters/chapter_01.md", "new", "overwrite")
    assert listing(project.root) == ["chapters"]
    assert listing(project.root / "chapters") == ["chapter_01.md"]


def test_failed_replace_keeps_old_file_and_removes_temporary(project, monkeypatch):
    project.write("chapter.md", "the old text", "create")

    def failing_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(project_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk gone"):
        project.write("chapter.md", "the new text", "overwrite")
    with pytest.raises(OSError, match="disk gone"):
        project.write("chapter.md", " appended", "append")
    monkeypatch.undo()
    assert (project.root / "chapter.md").read_text(encoding="utf-8") == "the old text"
    assert listing(project.root) == ["chapter.md"]


def test_unencodable_content_keeps_old_file_and_removes_temporary(project):
    """A lone surrogate (as JSON '\\ud800' decodes to) cannot be written as UTF-8."""
    project.write("chapter.md", "the old text", "create")
    with pytest.raises(ProjectError, match="cannot be saved as UTF-8"):
        project.write("chapter.md", "half an emoji \ud83d", "overwrite")
    assert (project.root / "chapter.md").read_text(encoding="utf-8") == "the old text"
    assert listing(project.root) == ["chapter.md"]


def test_failed_create_leaves_no_file(project, monkeypatch):
    def failing_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(project_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk gone"):
        project.write("new.md", "text", "create")
    monkeypatch.undo()
    assert listing(project.root) == []


# --- project names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Fog Over London!", "Fog_Over_London"),
        ("  Fog Over London!  ", "Fog_Over_London"),
        ("../../etc", "etc"),
        ("/etc/passwd", "etcpasswd"),
        ("Victorian-Mystery_2", "Victorian-Mystery_2"),
        ("Café Noir", "Caf_Noir"),
        ("a.b,c;d:e*f?g", "abcdefg"),
        ("x" * 150, "x" * 100),
    ],
)
def test_sanitize_project_name(name, expected):
    assert sanitize_project_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "!!!", "___", "-", "_-_", "../..", "é"])
def test_sanitize_project_name_without_letters_or_digits_is_refused(name):
    with pytest.raises(PathRefused, match="has no letters or digits; use a name like 'Victorian_Mystery'"):
        sanitize_project_name(name)


def test_open_or_create_creates_then_reuses(tmp_path):
    projects = tmp_path / "projects"
    first, created = Project.open_or_create(projects, "Fog Over London!")
    assert created is True
    assert first.root == (projects / "Fog_Over_London").resolve()
    assert first.name == "Fog_Over_London"
    assert first.root.is_dir()
    first.write("outline.md", "kept", "create")

    for same_name in ("Fog Over London!", "Fog_Over_London", "  Fog Over London  "):
        again, created = Project.open_or_create(projects, same_name)
        assert created is False
        assert again.root == first.root
    assert listing(projects) == ["Fog_Over_London"]
    assert (first.root / "outline.md").read_text(encoding="utf-8") == "kept"


def test_open_or_create_stays_inside_projects_dir(tmp_path):
    projects = tmp_path / "projects"
    project, created = Project.open_or_create(projects, "../../escape")
    assert created is True
    assert project.root == (projects / "escape").resolve()
    assert listing(tmp_path) == ["projects"]


def test_open_or_create_refuses_empty_name_and_creates_nothing(tmp_path):
    projects = tmp_path / "projects"
    with pytest.raises(PathRefused):
        Project.open_or_create(projects, "!!!")
    assert not projects.exists()


# --- an untrusted folder: long names, link loops, linked state, reads that never leave ---------


def test_a_name_over_the_byte_limit_is_refused_even_under_200_characters(project):
    with pytest.raises(PathRefused, match="283 bytes"):
        project.write("😀" * 70 + ".md", "x", "create")
    with pytest.raises(PathRefused, match="bytes"):
        project.resolve("é" * 130 + "/chapter.md")
    assert listing(project.root) == []
    assert project.resolve("é" * 110 + ".md").name == "é" * 110 + ".md"


def test_a_link_loop_is_refused_not_a_crash(project):
    (project.root / "loop.md").symlink_to(project.root / "loop.md")
    with pytest.raises(PathRefused, match="cannot be followed"):
        project.read("loop.md")
    assert project.files() == []


def test_read_if_file_never_reads_through_a_link_outside(project, outside):
    (outside / "secret.md").write_text("secret")
    (project.root / "outline.md").symlink_to(outside / "secret.md")
    (project.root / "notes.md").write_bytes(b"caf\xe9\n")
    assert project.read_if_file("outline.md") is None
    assert project.read_if_file("../outside/secret.md") is None
    assert project.read_if_file("missing.md") is None
    assert project.read_if_file("notes.md") == "caf\ufffd\n"


@pytest.mark.parametrize("link", [".kimi_writer", ".kimi_writer/snapshots", ".kimi_writer/session.json"])
def test_a_state_folder_linked_outside_is_refused(project, outside, link):
    (project.root / ".kimi_writer").mkdir()
    if link == ".kimi_writer":
        (project.root / link).rmdir()
    (project.root / link).symlink_to(outside)
    with pytest.raises(PathRefused, match="points outside the project"):
        project.check_state_dir()


def test_a_state_folder_inside_is_accepted(project):
    (project.root / ".kimi_writer/snapshots").mkdir(parents=True)
    (project.root / ".kimi_writer/session.json").write_text("{}")
    project.check_state_dir()


def test_writable_problem(tmp_path):
    (tmp_path / "file").write_text("x")
    assert project_module.writable_problem(tmp_path) is None
    assert project_module.writable_problem(tmp_path / "new" / "deeper") is None
    assert not (tmp_path / "new").exists()
    assert project_module.writable_problem(tmp_path / "file") == f"{tmp_path / 'file'} is not a folder"
    assert "is not a folder" in project_module.writable_problem(tmp_path / "file" / "sub")
    assert listing(tmp_path) == ["file"]
