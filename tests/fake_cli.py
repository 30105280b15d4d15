"""A stand-in for `kimi-writer write/review/revise --json` that keeps the events contract of issue 23
(every event on stdout and appended to <project>/.kimi_writer/events.jsonl), for the studio's tests
until the events branch is on main. It writes real files: chapters, reviews, versions, the lock.

FAKE_DELAY: seconds between steps (default 0.05). FAKE_CHAPTERS: chapters a new book plans (3).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimi_writer.book.edits import content_hash  # noqa: E402
from kimi_writer.judge.reviews import save_version  # noqa: E402
from kimi_writer.book.project import Project  # noqa: E402

DELAY = float(os.environ.get("FAKE_DELAY", "0.05"))
CHAPTERS = int(os.environ.get("FAKE_CHAPTERS", "3"))
SCORES = {"character": 7, "setting": 8, "stakes": 6, "pacing": 7, "prose": 5, "outline_fidelity": 9,
          "character_consistency": 8, "world_consistency": 8, "continuity": 7}


class Stopped(Exception):
    pass


def _stop(number, frame):
    raise Stopped()


class Events:
    def __init__(self, command: str, args: list[str]):
        self.run, self.seq, self.path, self.pending = uuid.uuid4().hex[:12], 0, None, []
        self.emit("run_start", command=command, args=args, models={"planner": "kimi-k2.6"})

    def emit(self, kind: str, **fields) -> None:
        event = {"run": self.run, "seq": self.seq, "time": datetime.now(timezone.utc).isoformat(), "type": kind, **fields}
        self.seq += 1
        line = json.dumps(event)
        print(line, flush=True)
        self.pending.append(line)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("\n".join(self.pending) + "\n")
            self.pending = []

    def follow(self, root: Path) -> None:
        (root / ".kimi_writer").mkdir(parents=True, exist_ok=True)
        self.path = root / ".kimi_writer" / "events.jsonl"
        lock = root / ".kimi_writer" / "lock"
        lock.write_text(json.dumps({"pid": os.getpid(), "command": "kimi-writer fake"}), encoding="utf-8")


def option(args: list[str], name: str) -> str | None:
    for arg in args:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def chapter_text(number: int, version: str = "") -> str:
    return f"# Chapter {number}: Part {number}\n\nThe fog came up the river at dusk, for the {number} time.{version}\n"


def write_chapters(events: Events, root: Path, planned: int) -> None:
    for number in range(1, planned + 1):
        path = root / f"chapter_{number:02d}.md"
        if path.exists():
            continue
        events.emit("iteration", n=number + 1, limit=300, context_tokens=1200 * number, context_limit=200000)
        events.emit("reasoning", text=f"Chapter {number} next. ")
        events.emit("content", text=f"Writing chapter {number}.")
        time.sleep(DELAY)
        text = chapter_text(number)
        events.emit("tool_call", name="write_file", chars=len(text))
        path.write_text(text, encoding="utf-8")
        events.emit("tool_result", name="write_file", ok=True, summary=f"wrote {path.name}", file=path.name,
                    words=len(text.split()))
        time.sleep(DELAY)


def save_review(root: Path, name: str, prose: int) -> float:
    scores = dict(SCORES, prose=prose)
    overall = round(sum(scores.values()) / 9, 2)
    text = (root / name).read_text(encoding="utf-8")
    review = {"chapter": name, "scores": scores, "overall": overall, "reasons": {"prose": "flat sentences"},
              "notes": [{"quote": "The fog came up the river at dusk", "problem": "a stock opening", "fix": "open on Hale"}],
              "sha256": content_hash(text), "model": "kimi-k2.6", "reviewed_at": "2026-12-01T10:00:00"}
    (root / ".kimi_writer" / "reviews").mkdir(parents=True, exist_ok=True)
    (root / ".kimi_writer" / "reviews" / f"{Path(name).stem}.json").write_text(json.dumps(review), encoding="utf-8")
    return overall


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    command = argv[0]
    if argv[-1] == "FAIL":
        print("Error: no API key is set; set KIMI_WRITER_API_KEY.", file=sys.stderr)
        return 2
    if command == "write" and option(argv, "recover"):
        root = Path(option(argv, "recover"))
    elif command == "write":
        root = Path(option(argv, "projects-dir")) / "Fake_Book"
    else:
        root = Path(argv[1])
    events = Events(command, argv[1:])
    time.sleep(DELAY)
    root.mkdir(parents=True, exist_ok=True)
    events.follow(root)
    code, outcome = 0, "Finished: all chapters are written."
    try:
        if command == "write":
            if not (root / "outline.md").exists():
                plan = "".join(f"{n}. Part {n} - something happens.\n" for n in range(1, CHAPTERS + 1))
                (root / "outline.md").write_text("# Fake Book\n\n" + plan, encoding="utf-8")
            write_chapters(events, root, CHAPTERS)
        elif command == "review":
            for path in sorted(root.glob("chapter_*.md")):
                events.emit("review", file=path.name, overall=save_review(root, path.name, 5), scores=SCORES)
                time.sleep(DELAY)
        elif command == "revise":
            name = f"chapter_{int(option(argv, 'chapters')):02d}.md"
            note = option(argv, "note") or ""
            old = (root / name).read_text(encoding="utf-8")
            before = save_review(root, name, 5)
            save_version(Project(root), name, old, None)
            (root / name).write_text(old.rstrip("\n") + f"\n\nRevised as asked: {note}\n", encoding="utf-8")
            after = save_review(root, name, 9)
            events.emit("review", file=name, overall=after, scores=dict(SCORES, prose=9))
            events.emit("notice", text=f"{name}: {before} -> {after}, kept (the author's note)")
    except Stopped:
        code, outcome = 143, "Stopped by SIGTERM; the checkpoint is saved. Continue with --recover."
    events.emit("run_end", outcome=outcome, exit_code=code, iterations=3, prompt_tokens=3000,
                completion_tokens=900, cost=0.0041, estimated=False)
    (root / ".kimi_writer" / "lock").unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
