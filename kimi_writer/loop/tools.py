"""The agent's tools: pydantic argument models, generated schemas, and one dispatcher.

A tool never raises into the loop: every failure becomes a result that tells the model
what was wrong and how to fix it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ..book import lock
from ..book.authored import refuse_replacing
from ..model.client import ToolCallRequest
from ..book.language import book_language, store_language
from ..book.outline import chapter_number, chapter_target, is_chapter_file
from ..book.project import MAX_PROJECT_NAME, STATE_DIR, Project, ProjectError, sanitize_project_name
from ..core.language import amount, count_words, of_target, suffix
from ..core.prompts import render
from ..guard.feedback import write_feedback
from ..guard.style import PROJECT_FILE as PROJECT_PHRASES
from ..guard.style import excerpt
from .writer import DraftFailed, Writer, draft_result
from ..core.text import parse_json


class ToolFailure(Exception):
    """A well-formed call that could not be carried out (the message is for the model)."""


@dataclass
class Workspace:
    """What the tools act on: the projects folder and the active project (never a global)."""

    projects_dir: Path
    project: Project | None = None
    chapter_words: int | None = None  # --chapter-words: the target for every chapter
    plan_only: bool = False  # --plan-only: planning files only, no chapters
    writer: "Writer | None" = None  # --writer-model: enables draft_chapter
    on_draft: Callable[[str, int | None], None] = lambda name, chars: None  # progress of a draft
    max_write_chars: int = 200_000  # the longest content one write_file may carry
    owned: set[Path] = field(default_factory=set)  # project folders of this run (reopening them is fine)
    hold: Callable[[Project], str] = lambda project: ""  # locks a project for this run (lock.acquire); a notice
    reviewer: "Callable[[Project, str], ToolResult] | None" = None  # a critic: enables review_chapter
    review_landed: bool = False  # --review auto: every chapter write that lands is reviewed
    language: str | None = None  # the book's language, stored in the project it creates (None: keep the project's)
    force: bool = False  # --force: the author's imported chapters may be replaced too

    def require_project(self) -> Project:
        if self.project is None:
            raise ToolFailure("no project is active yet; call create_project first")
        return self.project


@dataclass
class ToolResult:
    """The outcome of one tool call: text for the model, one line for the user."""

    text: str
    summary: str
    ok: bool = True
    format_error: bool = False
    compress: bool = False
    written: tuple[str, int] | None = None  # (file, words now in it)
    reviewed: tuple[str, float, dict[str, int]] | None = None  # the critic's (file, overall, scores)


class CreateProjectArgs(BaseModel):
    """Create (or reopen) the book's folder and make it the active project."""

    project_name: str = Field(description="Short, descriptive.")


class WriteFileArgs(BaseModel):
    """Write a file in the active project."""

    filename: str = Field(description="Relative to the project, e.g. 'chapter_01.md'.")
    content: str
    mode: Literal["create", "append", "overwrite"] = Field(default="create", description="'create' fails if the file exists.")
    summary: str = Field(default="", description="Chapters: one sentence on what happens so far.")


class ReadFileArgs(BaseModel):
    """Read a file of the active project."""

    filename: str


class ListFilesArgs(BaseModel):
    """List the project's files with word counts."""


class DraftChapterArgs(BaseModel):
    """Have the writer model draft a whole chapter from a brief; the draft is saved and you get a stub."""

    filename: str = Field(description="The chapter file, e.g. 'chapter_03.md'.")
    brief: str = Field(description="The chapter's beats from the outline, its point of view, tone and ending.")
    target_words: int | None = Field(default=None, description="Length of the chapter.")


class ReviewChapterArgs(BaseModel):
    """Have the critic score a chapter as it is on disk: its overall score, weakest scores, top notes and continuity issues."""

    filename: str = Field(description="The chapter file, e.g. 'chapter_03.md'.")


class CompressContextArgs(BaseModel):
    """Summarize older history to free context; recent turns stay whole."""


def create_project(workspace: Workspace, args: CreateProjectArgs) -> ToolResult:
    """Make or reopen the folder; a folder that holds another book (or another run's) gets `_2`, `_3`..."""
    wanted = sanitize_project_name(args.project_name)
    for name in candidate_names(wanted):
        root = (workspace.projects_dir / name).absolute()
        if root.resolve() not in workspace.owned and holds_a_book(root):
            continue
        project, created = Project.open_or_create(workspace.projects_dir, name)
        try:
            notice = workspace.hold(project)
        except lock.ProjectBusy:
            continue  # another run is writing there
        except lock.LockError as error:
            raise ToolFailure(str(error)) from None
        workspace.owned.add(project.root)
        workspace.project = project
        if workspace.language is not None:
            store_language(project, workspace.language)
        return _project_result(project, created, wanted, notice)
    raise ToolFailure(f"no free folder name for {wanted!r}; choose another project name")


def candidate_names(wanted: str) -> Iterator[str]:
    """`wanted`, then `wanted_2`, `wanted_3`... (each within the length of a project name)."""
    yield wanted
    for number in range(2, 1000):
        suffix = f"_{number}"
        yield wanted[:MAX_PROJECT_NAME - len(suffix)] + suffix


def holds_a_book(root: Path) -> bool:
    """Whether a folder already holds a book: a kimi-writer state, or any chapter file."""
    if not root.exists():
        return False
    if (root / STATE_DIR).exists() or (root / STATE_DIR).is_symlink() or not root.is_dir():
        return True
    return any(chapter_number(info.name) is not None for info in Project(root).files())


def _project_result(project: Project, created: bool, wanted: str, notice: str) -> ToolResult:
    if project.name != wanted:
        text = render("project_renamed.md.j2", wanted=wanted, name=project.name)
        summary = f"created project {project.name}: a folder named {wanted} already holds another book"
    elif created:
        text, summary = f"Created project '{project.name}'; it is now active.", f"created project {project.name}"
    else:
        files = ", ".join(f.name for f in project.files()) or "no files yet"
        text = f"Project '{project.name}' already existed and is now active ({files})."
        summary = f"reopened project {project.name}"
    return ToolResult(text, f"{summary}. {notice}" if notice else summary)


def _keep_authors_text(workspace: Workspace, project: Project, filename: str) -> None:
    """Refuse a write to the author's imported text, unless the run has --force."""
    if not workspace.force:
        refuse_replacing(project, project.relative_name(project.resolve(filename)))


def write_file(workspace: Workspace, args: WriteFileArgs) -> ToolResult:
    """Write, then report the words against the chapter's target and any stock phrases just sent."""
    project = workspace.require_project()
    if len(args.content) > workspace.max_write_chars:
        raise ToolFailure(render("write_too_long.md.j2", name=args.filename, chars=f"{len(args.content):,}",
                                 limit=f"{workspace.max_write_chars:,}"))
    if workspace.plan_only and is_chapter_file(project.relative_name(project.resolve(args.filename))):
        raise ToolFailure(f"{args.filename} is a chapter, and this is a planning run (--plan-only): write "
                          "outline.md and the story bible only; the chapters come in the next run")
    _keep_authors_text(workspace, project, args.filename)
    name, words = project.write(args.filename, args.content, args.mode)
    verb = {"create": "Created", "append": "Appended to", "overwrite": "Overwrote"}[args.mode]
    target, language = chapter_target(project, name, workspace.chapter_words), book_language(project)
    feedback = write_feedback(project, name, "" if name == PROJECT_PHRASES else args.content,
                              project.read_if_file(name) or "")
    hits = feedback.hits
    text = render("write_result.md.j2", verb=verb, name=name, words=f"{words:,}", unit=suffix(language),
                  target=f"{target:,}" if target else "", chapter=chapter_number(name),
                  **feedback.template_values() | {"hits": [{"phrase": h.phrase, "line": h.line, "excerpt": excerpt(h)}
                                                           for h in hits]})
    summary = f"wrote {name}: " + of_target(words, target, language)
    if hits:
        summary += ", stock phrases: " + ", ".join(f'"{p}"' for p in dict.fromkeys(h.phrase for h in hits))
    return ToolResult(text, summary, written=(name, words))


def read_file(workspace: Workspace, args: ReadFileArgs) -> ToolResult:
    project = workspace.require_project()
    name, text = project.read(args.filename)
    return ToolResult(text, f"read {name}: {amount(count_words(text), book_language(project))}")


def list_files(workspace: Workspace, args: ListFilesArgs) -> ToolResult:
    project = workspace.require_project()
    files = project.files()
    if not files:
        return ToolResult(f"Project '{project.name}' has no files yet.", "listed files: none")
    language = book_language(project)
    lines = [f"- {f.name}: {amount(f.words, language)}" for f in files]
    return ToolResult(f"Files in '{project.name}':\n" + "\n".join(lines), f"listed {len(files)} files")


def draft_chapter(workspace: Workspace, args: DraftChapterArgs) -> ToolResult:
    project = workspace.require_project()
    if workspace.writer is None:
        raise ToolFailure("no writer model is configured; write the chapter with write_file")
    if workspace.plan_only:
        raise ToolFailure("this is a planning run (--plan-only); the chapters come in the next run")
    _keep_authors_text(workspace, project, args.filename)
    target = args.target_words or chapter_target(project, args.filename, workspace.chapter_words)
    try:
        draft = workspace.writer.draft(project, args.filename, args.brief, target, workspace.on_draft)
    except DraftFailed as error:
        raise ToolFailure(f"{error}; try again, or write the chapter with write_file") from error
    finally:
        workspace.on_draft(args.filename, None)
    summary = f"drafted {draft.name}: " + of_target(draft.words, target, book_language(project))
    return ToolResult(draft_result(draft, target, project), summary, written=(draft.name, draft.words))


def review_chapter(workspace: Workspace, args: ReviewChapterArgs) -> ToolResult:
    """The critic's compact review of a chapter (or, as a result, why it was not reviewed)."""
    project = workspace.require_project()
    if workspace.reviewer is None:
        raise ToolFailure("no critic model is configured")
    name = project.relative_name(project.resolve(args.filename))
    if not is_chapter_file(name):
        raise ToolFailure(f"{name} is not a chapter; review a chapter file such as chapter_03.md")
    if project.read_if_file(name) is None:
        raise ToolFailure(f"{name} does not exist yet; write it first")
    return workspace.reviewer(project, name)


def review_landed(workspace: Workspace, result: ToolResult) -> ToolResult:
    """--review auto: a chapter write that landed gets the critic's compact review added to its result.
    The reviewer judges each distinct text once, so an unchanged chapter is not sent again."""
    name = result.written[0] if result.written else ""
    if not (workspace.review_landed and workspace.reviewer and workspace.project and is_chapter_file(name)):
        return result
    review = workspace.reviewer(workspace.project, name)
    return replace(result, text=f"{result.text}\n\n{review.text}", summary=f"{result.summary}; {review.summary}",
                   reviewed=review.reviewed)


def compress_context(workspace: Workspace, args: CompressContextArgs) -> ToolResult:
    return ToolResult(
        "Compression requested: older history will be replaced by a summary after this turn.",
        "compression requested",
        compress=True,
    )


def _always(workspace: Workspace) -> bool:
    return True


def _has_writer(workspace: Workspace) -> bool:
    return workspace.writer is not None


def _has_critic(workspace: Workspace) -> bool:
    return workspace.reviewer is not None


@dataclass(frozen=True)
class Tool:
    """One tool: its schema, what it does, and what the loop needs to know about it."""

    name: str
    args_model: type[BaseModel]
    run: Callable[[Workspace, Any], ToolResult]
    enabled: Callable[[Workspace], bool] = _always  # whether the model is offered it in this workspace
    parallel_safe: bool = False  # consecutive calls may run at once (--parallel)
    stubs_content: bool = False  # once its write lands, compact mode keeps a stub of its `content` (and its `summary`)
    on_landed: Callable[[Workspace, ToolResult], ToolResult] | None = None  # after its write lands: may add to the result

    def schema(self) -> dict:
        """The chat-completions tool schema, generated from the argument model."""
        parameters = _strip_titles(self.args_model.model_json_schema())
        parameters.pop("description", None)  # pydantic copies the docstring here; it is the tool's
        parameters.setdefault("properties", {})
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": (self.args_model.__doc__ or "").strip(),
                "parameters": parameters,
            },
        }


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


CREATE_PROJECT = Tool("create_project", CreateProjectArgs, create_project)
WRITE_FILE = Tool("write_file", WriteFileArgs, write_file, stubs_content=True, on_landed=review_landed)
READ_FILE = Tool("read_file", ReadFileArgs, read_file)
LIST_FILES = Tool("list_files", ListFilesArgs, list_files)
COMPRESS_CONTEXT = Tool("compress_context", CompressContextArgs, compress_context)
DRAFT_CHAPTER = Tool("draft_chapter", DraftChapterArgs, draft_chapter, enabled=_has_writer, parallel_safe=True,
                     on_landed=review_landed)
REVIEW_CHAPTER = Tool("review_chapter", ReviewChapterArgs, review_chapter, enabled=_has_critic)

TOOLS: dict[str, Tool] = {  # every registered tool by name, in the order offered
    tool.name: tool for tool in (CREATE_PROJECT, WRITE_FILE, READ_FILE, LIST_FILES, COMPRESS_CONTEXT, DRAFT_CHAPTER,
                                 REVIEW_CHAPTER)
}


def register(tool: Tool) -> Tool:
    """Add a tool (or replace one of the same name): from now on it is offered and executed."""
    TOOLS[tool.name] = tool
    return tool


def offered(workspace: Workspace | None = None) -> list[Tool]:
    """The tools the model may call in this workspace (by default, one without a writer model)."""
    workspace = workspace if workspace is not None else Workspace(Path("."))
    return [tool for tool in TOOLS.values() if tool.enabled(workspace)]


def tool_schemas(drafting: bool = False, workspace: Workspace | None = None) -> list[dict]:
    """The schemas offered in `workspace`; without one, in a run without a writer model (or a critic),
    or with a writer model under `drafting`."""
    if workspace is None and drafting:
        return [tool.schema() for tool in TOOLS.values() if tool.enabled in (_always, _has_writer)]
    return [tool.schema() for tool in offered(workspace)]


def is_parallel_safe(name: str | None) -> bool:
    """Whether consecutive calls to the tool `name` may run at once."""
    tool = TOOLS.get(name or "")
    return tool is not None and tool.parallel_safe


def _format_error(kind: str, tool_name: str, detail: str = "", workspace: Workspace | None = None) -> ToolResult:
    names = [tool.name for tool in offered(workspace)]
    text = render("format_error.md.j2", kind=kind, tool_name=tool_name, detail=detail, tool_names=names)
    return ToolResult(text, f"malformed call to {tool_name}: {kind.replace('_', ' ')}", ok=False, format_error=True)


def parse_arguments(tool: Tool, raw_arguments: str) -> BaseModel | ToolResult:
    """The validated argument model, or the format-error result that explains the problem."""
    try:
        raw = parse_json(raw_arguments or "{}")
    except json.JSONDecodeError as error:
        return _format_error("bad_json", tool.name, str(error))
    if not isinstance(raw, dict):
        return _format_error("bad_json", tool.name, f"expected a JSON object, got {type(raw).__name__}")
    try:
        return tool.args_model.model_validate(raw)
    except ValidationError as error:
        lines = [f"- `{'.'.join(map(str, e['loc'])) or 'arguments'}`: {e['msg']}" for e in error.errors()]
        return _format_error("bad_arguments", tool.name, "\n".join(lines))


def execute(call: ToolCallRequest, workspace: Workspace) -> ToolResult:
    """Run one tool call; every failure becomes a result the model can read."""
    tool = TOOLS.get(call.name)
    if tool is None or not tool.enabled(workspace):
        return _format_error("unknown_tool", call.name or "(no name)", workspace=workspace)
    args = parse_arguments(tool, call.arguments)
    if isinstance(args, ToolResult):
        return args
    try:
        return tool.run(workspace, args)
    except (ToolFailure, ProjectError, FileExistsError, FileNotFoundError, NotADirectoryError) as error:
        return _failed(tool, str(error))
    except OSError as error:  # a full disk, a read-only folder, permission denied: the loop goes on
        return _failed(tool, render("os_error.md.j2", reason=error.strerror or str(error)))


def _failed(tool: Tool, detail: str) -> ToolResult:
    return ToolResult(render("tool_failed.md.j2", tool_name=tool.name, detail=detail), f"{tool.name} failed: {detail}",
                      ok=False)
