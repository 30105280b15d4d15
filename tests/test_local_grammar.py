"""The local model's output constraints: tool-call schemas, the call scanner, prose grammars.
Fast: no model is loaded (grammar compilation is checked where llama_cpp is installed)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from kimi_writer.local.jsonscan import CallScanner, escape_controls
from kimi_writer.local.prose import CHAPTER_GRAMMAR, outline_grammar
from kimi_writer.local.schema import call_schema, has_prose, tool_names
from kimi_writer.loop.tools import tool_schemas

needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="llama_cpp is not installed (pip install -e '.[local]')")


def shapes_by_tool(schema: dict) -> dict[str, dict]:
    return {shape["properties"]["tool"]["const"]: shape for shape in schema.get("oneOf", [schema])}


def test_one_shape_per_tool_and_no_compression():
    shapes = shapes_by_tool(call_schema(tool_schemas()))
    assert list(shapes) == ["create_project", "write_file", "read_file", "list_files"]
    assert tool_names(tool_schemas()) == list(shapes)
    for shape in shapes.values():
        assert shape["required"] == ["tool", "arguments"] and shape["additionalProperties"] is False


def test_write_file_arguments_leave_the_text_to_the_prose_step():
    arguments = shapes_by_tool(call_schema(tool_schemas()))["write_file"]["properties"]["arguments"]
    assert list(arguments["properties"]) == ["filename", "mode"] == arguments["required"]
    assert arguments["properties"]["mode"]["enum"] == ["create", "append", "overwrite"]
    assert arguments["properties"]["filename"]["maxLength"] == 40
    assert has_prose(tool_schemas(), "write_file") and not has_prose(tool_schemas(), "create_project")


def test_project_name_is_bounded_and_list_files_takes_nothing():
    shapes = shapes_by_tool(call_schema(tool_schemas()))
    name = shapes["create_project"]["properties"]["arguments"]["properties"]["project_name"]
    assert (name["type"], name["minLength"], name["maxLength"]) == ("string", 3, 40)
    assert shapes["list_files"]["properties"]["arguments"] == {
        "type": "object", "properties": {}, "required": [], "additionalProperties": False}


def test_a_guided_call_is_one_tool_with_fixed_arguments():
    schema = call_schema(tool_schemas(), only="write_file", fixed={"filename": "chapter_02.md", "mode": "create"})
    assert "oneOf" not in schema and schema["properties"]["tool"] == {"const": "write_file"}
    assert schema["properties"]["arguments"]["properties"] == {
        "filename": {"const": "chapter_02.md"}, "mode": {"const": "create"}}
    with pytest.raises(ValueError):
        call_schema(tool_schemas(), only="no_such_tool")


def test_the_scanner_knows_the_tool_early_and_escapes_raw_newlines():
    scanner = CallScanner()
    scanner.feed('{"tool": "write_')
    assert scanner.tool is None
    scanner.feed('file", "arguments": {"filename": "a\nb.md"')
    assert scanner.tool == "write_file" and scanner.call() is None
    scanner.feed(', "mode": "create"}}')
    assert scanner.call() == ("write_file", {"filename": "a\nb.md", "mode": "create"})
    assert escape_controls("a\tb\n") == "a\\tb\\n"


def test_the_scanner_rejects_what_is_not_a_call():
    for text in ('{"tool": 3, "arguments": {}}', '{"tool": "x"}', "[]", '{"tool": "x", "arguments": []}'):
        scanner = CallScanner()
        scanner.feed(text)
        assert scanner.call() is None, text


def test_outline_grammar_has_one_line_per_chapter():
    grammar = outline_grammar(4)
    assert [f'"\\n{n}. **"' in grammar for n in range(1, 6)] == [True] * 4 + [False]


@needs_llama
def test_llama_cpp_compiles_every_grammar():
    from llama_cpp import LlamaGrammar
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    tools = tool_schemas()
    for schema in (call_schema(tools), call_schema(tools, only="create_project", fixed={"project_name": "Fox"})):
        gbnf = json_schema_to_gbnf(json.dumps(schema))
        assert '"\\"tool\\""' in gbnf and "root ::=" in gbnf
        LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    for gbnf in (outline_grammar(3), CHAPTER_GRAMMAR):
        LlamaGrammar.from_string(gbnf, verbose=False)
