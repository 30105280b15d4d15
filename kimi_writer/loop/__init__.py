"""The planner loop and what it works with: the loop (agent, turns, run_end), what each request
carries (window, book_context, compression), the tools and the writer model (tools, writer,
drafting), the system prompt (instructions), recovery and the console views (display).

May import `model`, `export`, `guard`, `book`, `core` and the root settings."""
