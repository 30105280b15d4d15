"""The settings that are flags of `kimi-writer write`, each declared once: its help, in --help order.

The flag's name, type, environment variable and default all come from the settings field
(options.setting_flags); adding a line here adds the flag to `write`.
"""

from __future__ import annotations

JSON_EVENTS = "Print the run's events as JSON lines (docs/schema/event.json) instead of the console view."

WRITE_FLAGS = {
    "continue_": "Continue the book named by the argument (a project folder or name), with this note on what happens next.",
    "projects_dir": "Folder for projects.",
    "model": "Model name.",
    "base_url": "OpenAI-compatible API URL.",
    "max_iterations": "Stop after this many model turns in this run.",
    "token_limit": "Context window in tokens.",
    "compress_at": "Compress history at this many tokens (at most the token limit).",
    "checkpoint_every": "Write a context summary every N iterations.",
    "max_retries": "Retries of a failed or cut request.",
    "max_cost": "Stop before the book's estimated cost would exceed this many dollars.",
    "max_tokens": "Stop before the book's total tokens (in + out) would exceed this.",
    "context": "What each request carries: 'compact' or 'full' history.",
    "chapter_words": "Target words per chapter.",
    "language": "The book's language, a BCP 47 tag: zh, zh-Hant, ja, en, ...",
    "plan_only": "Create the project and the plan (outline, story bible), then stop before drafting chapters.",
    "provider": "'remote' (an API server) or 'local' (the bundled small model; needs the local extra).",
    "model_path": "A GGUF model file for --provider local.",
    "writer_model": "A second model that drafts chapters from the planner's briefs.",
    "writer_base_url": "The writer model's API URL.",
    "parallel": "Chapters drafted at once by the writer model.",
    "review": "'auto': the critic reviews every chapter that lands and the planner reads the review; 'off'.",
    "critic_model": ("The model that reviews chapters (--review auto, review_chapter).", "the --model"),
    "critic_base_url": ("The critic model's API URL.", "the --base-url"),
    "force": "Let the agent replace or extend the author's imported chapters (never without it).",
    "show_reasoning": "Keep each turn's full reasoning on screen, not just how long the model thought.",
    "json_output": JSON_EVENTS,
}
