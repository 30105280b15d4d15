"""The studio: the whole book in a browser, and the run live (`kimi-writer studio`).

A Starlette app under uvicorn: pages rendered on the server (templates/), a small script and a
style sheet (static/), a JSON API and server-sent events that follow a book's events.jsonl.
Runs are the CLI itself, started as child processes. It sits beside the commands (a front end
like the CLI) but never imports typer or a command; it may import report, judge, export, guard,
book, core and the root settings.
"""
