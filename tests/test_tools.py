"""Tool schemas, argument validation, and dispatch through execute()."""

from __future__ import annotations

import json
import os

import pytest

from kimi_writer.model.client import ToolCallRequest
from kimi_writer.book.project import Project
from kimi_writer.loop.tools import (
    TOOLS,
    ToolResult,
    Workspace,
    WriteFileArgs,
    execute,
    parse_arguments,
    tool_schemas,
)

TOOL_NAMES = ["create_project", "write_file", "read_file", "list_files", "compress_context"]
TOOL_LIST = "create_project, write_file, read_file, list_files, compress_context"


def call(workspace: Workspace, name: str, arguments: dict | str = "") -> ToolResult:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    result = execute(ToolCallRequest(id="call_1", name=name, arguments=raw), workspace)
    assert isinstance(result, ToolResult)
    return result


@pytest.fixture
def workspace(tmp_path):
    return Workspace(tmp_path / "projects")


@pytest.fixture
def active(workspace):
    """A workspace with the project 'Book' created and active."""
    result = call(workspace, "create_project", {"project_name": "Book"})
    assert result.ok
    return workspace


def book_root(workspace: Workspace):
    return workspace.projects_dir / "Book"


# --- schemas ----------------------------------------------------------------------------


def _keys(schema):
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            yield from _keys(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _keys(value)


def test_schema_names():
    assert list(TOOLS) == TOOL_NAMES + ["draft_chapter", "review_chapter"]  # review_chapter: offered only with a critic
    assert [schema["function"]["name"] for schema in tool_schemas()] == TOOL_NAMES
    assert [schema["function"]["name"] for schema in tool_schemas(drafting=True)] == TOOL_NAMES + ["draft_chapter"]


def test_draft_chapter_is_an_unknown_tool_without_a_writer(tmp_path):
    from kimi_writer.model.client import ToolCallRequest

    result = execute(ToolCallRequest("c1", "draft_chapter", '{"filename": "chapter_01.md", "brief": "b"}'),
                     Workspace(tmp_path))
    assert result.format_error and "There is no tool named `draft_chapter`" in result.text
    assert "draft_chapter" not in result.text.split("The tools are:")[1]


@pytest.mark.parametrize("schema", tool_schemas(), ids=TOOL_NAMES)
def test_every_schema_is_a_function_with_an_object_and_descriptions(schema):
    assert schema["type"] == "function"
    function = schema["function"]
    assert set(function) == {"name", "description", "parameters"}
    assert function["description"].strip()
    parameters = function["parameters"]
    assert parameters["type"] == "object"
    assert isinstance(parameters["properties"], dict)
    for name, prop in parameters["properties"].items():  # only self-evident ones go without
        assert prop.get("description", "").strip() or name in {"content", "filename"}, name
    assert "title" not in set(_keys(schema))
    assert json.loads(json.dumps(schema)) == schema


def test_write_file_schema():
    parameters = TOOLS["write_file"].schema()["function"]["parameters"]
    assert sorted(parameters["required"]) == ["content", "filename"]
    assert set(parameters["properties"]) == {"filename", "content", "mode", "summary"}
    assert parameters["properties"]["summary"] == {
        "default": "", "description": "Chapters: one sentence on what happens so far.", "type": "string"}
    assert parameters["properties"]["filename"]["type"] == "string"
    assert parameters["properties"]["content"]["type"] == "string"
    mode = parameters["properties"]["mode"]
    assert mode["enum"] == ["create", "append", "overwrite"]
    assert mode["default"] == "create"
    assert mode["type"] == "string"


def test_create_and_read_schemas_require_their_one_argument():
    create = TOOLS["create_project"].schema()["function"]["parameters"]
    assert create["required"] == ["project_name"]
    assert create["properties"]["project_name"]["type"] == "string"
    read = TOOLS["read_file"].schema()["function"]["parameters"]
    assert read["required"] == ["filename"]


@pytest.mark.parametrize("name", ["list_files", "compress_context"])
def test_no_argument_schemas_have_empty_properties(name):
    parameters = TOOLS[name].schema()["function"]["parameters"]
    assert parameters["type"] == "object"
    assert parameters["properties"] == {}
    assert "required" not in parameters


def test_mode_defaults_to_create():
    args = parse_arguments(TOOLS["write_file"], '{"filename": "a.md", "content": "x"}')
    assert isinstance(args, WriteFileArgs)
    assert args.mode == "create"


# --- format errors ----------------------------------------------------------------------


def assert_format_error(result: ToolResult, tool: str, kind: str):
    assert result.ok is False
    assert result.format_error is True
    assert result.compress is False
    assert result.written is None
    assert result.summary == f"malformed call to {tool}: {kind}"


def test_malformed_json(workspace):
    result = call(workspace, "create_project", '{"project_name": "Book"')
    assert_format_error(result, "create_project", "bad json")
    assert result.text.startswith("Your call to `create_project` was not executed: its arguments are not valid JSON (")
    assert "Send the arguments as one JSON object" in result.text
    assert not workspace.projects_dir.exists()
    assert workspace.project is None


def test_json_array_instead_of_object(workspace):
    result = call(workspace, "create_project", '["Book"]')
    assert_format_error(result, "create_project", "bad json")
    assert "(expected a JSON object, got list)" in result.text
    assert workspace.project is None


@pytest.mark.parametrize(("raw", "kind"), [("null", "NoneType"), ('"Book"', "str"), ("42", "int")])
def test_json_scalar_instead_of_object(workspace, raw, kind):
    result = call(workspace, "create_project", raw)
    assert_format_error(result, "create_project", "bad json")
    assert f"(expected a JSON object, got {kind})" in result.text


def test_missing_argument(active):
    result = call(active, "write_file", {"filename": "a.md"})
    assert_format_error(result, "write_file", "bad arguments")
    assert result.text == (
        "Your call to `write_file` was not executed: its arguments do not match the tool's schema.\n"
        "- `content`: Field required\n"
        "Call `write_file` again with every required argument, each of the right type."
    )
    assert os.listdir(book_root(active)) == []


def test_empty_arguments_for_a_tool_with_required_arguments(active):
    result = call(active, "write_file", "")
    assert_format_error(result, "write_file", "bad arguments")
    assert "- `filename`: Field required" in result.text
    assert "- `content`: Field required" in result.text


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        ({"filename": "a.md", "content": 42}, "- `content`: Input should be a valid string"),
        ({"filename": None, "content": "x"}, "- `filename`: Input should be a valid string"),
        ({"filename": ["a.md"], "content": "x"}, "- `filename`: Input should be a valid string"),
        ({"filename": "a.md", "content": "x", "mode": "replace"}, "- `mode`: Input should be 'create', 'append' or 'overwrite'"),
    ],
)
def test_wrongly_typed_argument(active, arguments, line):
    result = call(active, "write_file", arguments)
    assert_format_error(result, "write_file", "bad arguments")
    assert line in result.text.splitlines()
    assert os.listdir(book_root(active)) == []


def test_wrongly_typed_project_name(workspace):
    result = call(workspace, "create_project", {"project_name": 7})
    assert_format_error(result, "create_project", "bad arguments")
    assert "- `project_name`: Input should be a valid string" in result.text.splitlines()
    assert not workspace.projects_dir.exists()


def test_unknown_tool(active):
    result = call(active, "delete_file", {"filename": "a.md"})
    assert_format_error(result, "delete_file", "unknown tool")
    assert result.text == f"There is no tool named `delete_file`; nothing was executed. The tools are: {TOOL_LIST}."


def test_tool_without_a_name(active):
    result = call(active, "", "{}")
    assert_format_error(result, "(no name)", "unknown tool")


def test_extra_unknown_arguments_are_ignored(active):
    """pydantic's default `extra='ignore'`: the call runs, the unknown key has no effect."""
    result = call(active, "write_file", {"filename": "a.md", "content": "one two", "mode": "create", "encoding": "latin-1", "force": True})
    assert result.ok is True
    assert result.format_error is False
    assert result.written == ("a.md", 2)
    assert (book_root(active) / "a.md").read_text(encoding="utf-8") == "one two"


def test_extra_arguments_to_a_no_argument_tool_are_ignored(active):
    result = call(active, "list_files", {"verbose": True})
    assert result.ok is True
    assert result.text == "Project 'Book' has no files yet."


@pytest.mark.parametrize("raw", ["", "{}"])
def test_empty_arguments_for_list_files(active, raw):
    call(active, "write_file", {"filename": "outline.md", "content": "a b c"})
    result = call(active, "list_files", raw)
    assert result.ok is True
    assert result.format_error is False
    assert result.text == "Files in 'Book':\n- outline.md: 3 words"
    assert result.summary == "listed 1 files"


def test_list_files_of_an_empty_project(active):
    result = call(active, "list_files", "")
    assert result.ok is True
    assert result.text == "Project 'Book' has no files yet."
    assert result.summary == "listed files: none"


# --- tool failures (not format errors) --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("write_file", {"filename": "a.md", "content": "x"}),
        ("read_file", {"filename": "a.md"}),
        ("list_files", ""),
    ],
)
def test_tool_before_create_project(workspace, name, arguments):
    result = call(workspace, name, arguments)
    assert result.ok is False
    assert result.format_error is False
    assert result.text == f"`{name}` failed: no project is active yet; call create_project first"
    assert result.summary == f"{name} failed: no project is active yet; call create_project first"
    assert not workspace.projects_dir.exists()


@pytest.mark.parametrize(
    ("name", "arguments", "phrase"),
    [
        ("write_file", {"filename": "../x.md", "content": "x"}, "uses '..'; files must stay inside the project"),
        ("write_file", {"filename": "/tmp/x.md", "content": "x"}, "is absolute"),
        ("write_file", {"filename": ".env", "content": "x"}, "names a hidden file"),
        ("write_file", {"filename": "x.py", "content": "x"}, "only .md and .txt files can be written"),
        ("write_file", {"filename": "", "content": "x"}, "filename is empty"),
        ("write_file", {"filename": "a\u0000b.md", "content": "x"}, "contains control characters"),
        ("read_file", {"filename": "missing.md"}, "missing.md does not exist; call list_files to see the files"),
        ("read_file", {"filename": "../../etc/passwd"}, "uses '..'"),
    ],
)
def test_refused_calls_are_failures_not_format_errors(active, name, arguments, phrase):
    result = call(active, name, arguments)
    assert result.ok is False
    assert result.format_error is False
    assert result.written is None
    assert result.text.startswith(f"`{name}` failed: ")
    assert phrase in result.text
    assert result.summary.startswith(f"{name} failed: ")
    assert os.listdir(book_root(active)) == []


def test_create_on_existing_file_through_execute(active):
    call(active, "write_file", {"filename": "a.md", "content": "first"})
    result = call(active, "write_file", {"filename": "a.md", "content": "second"})
    assert result.ok is False
    assert result.format_error is False
    assert result.text == (
        "`write_file` failed: a.md already exists; use mode 'append' to add to it or 'overwrite' to replace it"
    )
    assert (book_root(active) / "a.md").read_text(encoding="utf-8") == "first"


def test_write_where_the_parent_is_a_file_is_a_failure(active):
    call(active, "write_file", {"filename": "notes.md", "content": "keep"})
    for filename in ("notes.md/x.md", "notes.md/sub/x.md"):
        result = call(active, "write_file", {"filename": filename, "content": "x"})
        assert result.ok is False
        assert result.format_error is False
    assert (book_root(active) / "notes.md").read_text(encoding="utf-8") == "keep"


# --- successful calls -------------------------------------------------------------------


def test_write_file_result_carries_written(active):
    result = call(active, "write_file", {"filename": "chapters/chapter_01", "content": "It was a dark night."})
    assert result.ok is True
    assert result.format_error is False
    assert result.compress is False
    assert result.written == ("chapters/chapter_01.md", 5)
    assert result.text == "Created chapters/chapter_01.md: it now holds 5 words."
    assert result.summary == "wrote chapters/chapter_01.md: 5 words"
    assert (book_root(active) / "chapters" / "chapter_01.md").read_text(encoding="utf-8") == "It was a dark night."


def test_append_and_overwrite_results(active):
    call(active, "write_file", {"filename": "a.md", "content": "one two\n"})
    appended = call(active, "write_file", {"filename": "a.md", "content": "three\n", "mode": "append"})
    assert appended.written == ("a.md", 3)
    assert appended.text == "Appended to a.md: it now holds 3 words."
    assert (book_root(active) / "a.md").read_text(encoding="utf-8") == "one two\nthree\n"
    overwritten = call(active, "write_file", {"filename": "a.md", "content": "four", "mode": "overwrite"})
    assert overwritten.written == ("a.md", 1)
    assert overwritten.text == "Overwrote a.md: it now holds 1 words."
    assert (book_root(active) / "a.md").read_text(encoding="utf-8") == "four"


def test_word_count_uses_thousands_separator(active):
    result = call(active, "write_file", {"filename": "long.md", "content": "word " * 1234})
    assert result.written == ("long.md", 1234)
    assert result.text == "Created long.md: it now holds 1,234 words."


def test_read_file_returns_the_exact_text(active):
    text = "# Chapter 1\n\nIt was a dark night — “quoted”.\n"
    call(active, "write_file", {"filename": "chapter.md", "content": text})
    result = call(active, "read_file", {"filename": "chapter"})
    assert result.ok is True
    assert result.text == text
    assert result.summary == "read chapter.md: 10 words"
    assert result.written is None


@pytest.mark.parametrize("raw", ["", "{}"])
def test_compress_context_requests_compression(workspace, raw):
    result = call(workspace, "compress_context", raw)
    assert result.ok is True
    assert result.format_error is False
    assert result.compress is True
    assert result.written is None
    assert result.summary == "compression requested"


def test_other_tools_do_not_request_compression(active):
    assert call(active, "list_files", "").compress is False
    assert call(active, "write_file", {"filename": "a.md", "content": "x"}).compress is False


def test_create_project_makes_it_active(workspace):
    result = call(workspace, "create_project", {"project_name": "Fog Over London!"})
    assert result.ok is True
    assert result.text == "Created project 'Fog_Over_London'; it is now active."
    assert result.summary == "created project Fog_Over_London"
    assert workspace.project is not None
    assert workspace.project.root == (workspace.projects_dir / "Fog_Over_London").resolve()


def test_create_project_twice_reuses_the_folder(workspace):
    call(workspace, "create_project", {"project_name": "Fog Over London"})
    call(workspace, "write_file", {"filename": "outline.md", "content": "plot"})
    workspace.project = None
    result = call(workspace, "create_project", {"project_name": "Fog Over London"})
    assert result.ok is True
    assert result.format_error is False
    assert result.text == "Project 'Fog_Over_London' already existed and is now active (outline.md)."
    assert result.summary == "reopened project Fog_Over_London"
    assert os.listdir(workspace.projects_dir) == ["Fog_Over_London"]
    assert call(workspace, "read_file", {"filename": "outline.md"}).text == "plot"


def test_create_project_reopened_without_files(workspace):
    call(workspace, "create_project", {"project_name": "Book"})
    result = call(workspace, "create_project", {"project_name": "Book"})
    assert result.text == "Project 'Book' already existed and is now active (no files yet)."


def test_create_project_switches_the_active_project(workspace):
    call(workspace, "create_project", {"project_name": "First"})
    call(workspace, "create_project", {"project_name": "Second"})
    call(workspace, "write_file", {"filename": "a.md", "content": "x"})
    assert (workspace.projects_dir / "Second" / "a.md").is_file()
    assert not (workspace.projects_dir / "First" / "a.md").exists()


def test_create_project_with_no_letters_is_a_failure(workspace):
    result = call(workspace, "create_project", {"project_name": "!!!"})
    assert result.ok is False
    assert result.format_error is False
    assert "has no letters or digits; use a name like 'Victorian_Mystery'" in result.text
    assert workspace.project is None
    assert not workspace.projects_dir.exists()


def test_workspace_project_can_be_set_directly(tmp_path):
    root = tmp_path / "projects" / "Direct"
    root.mkdir(parents=True)
    workspace = Workspace(tmp_path / "projects", Project(root))
    assert call(workspace, "write_file", {"filename": "a.md", "content": "x"}).written == ("a.md", 1)


# --- execute() must never raise: known holes --------------------------------------------


def assert_failure_result(result: ToolResult):
    assert result.ok is False
    assert result.written is None


def test_unencodable_content_becomes_a_result(active):
    result = call(active, "write_file", '{"filename": "a.md", "content": "half an emoji \\ud83d"}')
    assert_failure_result(result)
    assert os.listdir(book_root(active)) == []


def test_dot_filename_becomes_a_result(active):
    result = call(active, "write_file", {"filename": ".", "content": "x"})
    assert_failure_result(result)


def test_overlong_filename_becomes_a_result(active):
    result = call(active, "write_file", {"filename": "a" * 300 + ".md", "content": "x"})
    assert_failure_result(result)


def test_reading_a_non_utf8_file_becomes_a_result(active):
    (book_root(active) / "latin1.md").write_bytes(b"caf\xe9")
    result = call(active, "read_file", {"filename": "latin1.md"})
    assert isinstance(result, ToolResult)


def test_appending_to_a_non_utf8_file_becomes_a_result(active):
    (book_root(active) / "latin1.md").write_bytes(b"caf\xe9")
    result = call(active, "write_file", {"filename": "latin1.md", "content": " more", "mode": "append"})
    assert isinstance(result, ToolResult)
    assert (book_root(active) / "latin1.md").read_bytes().startswith(b"caf\xe9")


# --- OS errors, the write size cap, name clashes ------------------------------------------


@pytest.mark.parametrize("errno_, reason", [(28, "No space left on device"), (30, "Read-only file system"),
                                            (13, "Permission denied")])
def test_an_os_error_is_a_tool_result(active, monkeypatch, errno_, reason):
    def refuse(path, text):
        raise OSError(errno_, os.strerror(errno_), str(path))

    monkeypatch.setattr("kimi_writer.book.project.atomic_write_text", refuse)
    result = call(active, "write_file", {"filename": "chapter_01.md", "content": "x"})
    assert result.ok is False and result.format_error is False
    assert result.text.startswith(f"`write_file` failed: the system refused it ({reason}); nothing was changed.")
    assert result.summary.startswith(f"write_file failed: the system refused it ({reason})")


def test_one_write_over_the_cap_is_refused_and_says_to_append(active):
    active.max_write_chars = 10
    result = call(active, "write_file", {"filename": "chapter_01.md", "content": "x" * 11})
    assert result.ok is False
    assert "11 characters, over the limit of 10" in result.text and "mode 'append'" in result.text
    assert not (book_root(active) / "chapter_01.md").exists()
    assert call(active, "write_file", {"filename": "chapter_01.md", "content": "x" * 10}).ok


def test_create_project_never_reopens_another_book(workspace):
    other = workspace.projects_dir / "Book"
    (other / ".kimi_writer").mkdir(parents=True)
    (workspace.projects_dir / "Book_2").mkdir()
    (workspace.projects_dir / "Book_2" / "ch01.md").write_text("another book")
    result = call(workspace, "create_project", {"project_name": "Book"})
    assert result.ok and workspace.project.name == "Book_3"
    assert result.text == ("A folder named 'Book' already holds another book, so this book's project is 'Book_3' "
                           "instead; it is now active. Write every file there.")
    assert result.summary == "created project Book_3: a folder named Book already holds another book"
    assert call(workspace, "create_project", {"project_name": "Book"}).text.startswith("A folder named 'Book'")
    assert workspace.project.name == "Book_3"
    assert os.listdir(other) == [".kimi_writer"]


def test_create_project_skips_a_folder_another_run_holds(workspace):
    from kimi_writer.book.lock import ProjectBusy

    def hold(project):
        if project.name == "Book":
            raise ProjectBusy("busy")
        return ""

    workspace.hold = hold
    result = call(workspace, "create_project", {"project_name": "Book"})
    assert workspace.project.name == "Book_2" and "already holds another book" in result.text


def test_a_long_project_name_that_clashes_gets_a_suffix_within_the_limit(workspace):
    long_name = "A" * 100
    (workspace.projects_dir / long_name / ".kimi_writer").mkdir(parents=True)
    call(workspace, "create_project", {"project_name": long_name})
    assert workspace.project.name == "A" * 98 + "_2"
    assert os.listdir(workspace.projects_dir / long_name) == [".kimi_writer"]
