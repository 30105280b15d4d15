"""What the event log costs: appending events, rotating a full log, reading it whole and following it.

Writes `--runs` runs of `--events` content events each (`--chars` characters of text) into a
temporary log with the real limits (the last 20 runs, about 20 MB), then times a rotation, a
whole read, and a follower's poll.

    python bench/event_log_speed.py [--runs 25] [--events 4000] [--chars 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kimi_writer.book.event_log import EVENTS_FILE, MAX_BYTES, MAX_RUNS, EventLog, read_events, read_from, rotate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--chars", type=int, default=200)
    options = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / EVENTS_FILE
    text = "x" * options.chars
    started = time.perf_counter()
    for _ in range(options.runs):
        log = EventLog()
        log.attach(path)
        for _ in range(options.events):
            log.emit("content", text=text)
    appended = time.perf_counter() - started
    total = options.runs * options.events
    print(f"append: {total:,} events in {appended:.2f} s ({appended / total * 1e6:.1f} µs an event)")
    print(f"log: {path.stat().st_size / 1e6:.1f} MB (limit {MAX_BYTES / 1e6:.1f} MB, {MAX_RUNS} runs)")
    for label, action in (("rotate", lambda: rotate(path, MAX_RUNS - 1, MAX_BYTES)),
                          ("read whole", lambda: read_events(path))):
        started = time.perf_counter()
        action()
        print(f"{label}: {time.perf_counter() - started:.2f} s")
    follow(path, text)


def follow(path: Path, text: str) -> None:
    """What a follower pays per poll: the new lines after its offset (100 new events)."""
    offset = read_from(path, 0)[1]
    log = EventLog()
    log.attach(path)
    for _ in range(100):
        log.emit("content", text=text)
    started = time.perf_counter()
    events, _ = read_from(path, offset)
    print(f"follow: {len(events)} new events in {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
