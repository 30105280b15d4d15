"""The event log's file: numbered lines, whole-line reading, following a live file, rotation."""

from __future__ import annotations

import io
import json

from kimi_writer.book.event_log import EVENTS_FILE, EventLog, new_run_id, read_events, read_from, runs_in


def test_events_are_numbered_and_timed_and_go_to_the_stream_too(tmp_path):
    stream = io.StringIO()
    log = EventLog(stream=stream)
    log.emit("run_start", command="write")  # before the project is known: kept until attach
    log.attach(tmp_path / EVENTS_FILE)
    log.emit("notice", text="hello")
    events = read_events(tmp_path / EVENTS_FILE)
    assert [(e["seq"], e["type"]) for e in events] == [(1, "run_start"), (2, "notice")]
    assert {e["run"] for e in events} == {log.run}
    assert events[1]["time"].endswith("Z") and events[1]["time"][:2] == "20"
    assert [json.loads(line) for line in stream.getvalue().splitlines()] == events


def test_run_ids_differ():
    assert len({new_run_id() for _ in range(200)}) == 200


def test_secrets_are_scrubbed_in_every_string():
    stream = io.StringIO()
    log = EventLog(scrub=lambda text: text.replace("sk-secret", "sk-…"), stream=stream)
    log.emit("notice", text="key sk-secret here", nested={"sk-secret": ["x sk-secret"]})
    assert "sk-secret" not in stream.getvalue()
    assert "sk-…" in stream.getvalue()


def test_a_cut_last_line_is_skipped_and_the_next_run_appends_after_it(tmp_path):
    path = tmp_path / EVENTS_FILE
    first = EventLog()
    first.attach(path)
    first.emit("run_start", command="write")
    with open(path, "ab") as handle:
        handle.write(b'{"run": "x", "seq": 2, "type": "cont')  # SIGKILL in mid-write
    assert [e["type"] for e in read_events(path)] == ["run_start"]
    second = EventLog()
    second.attach(path)
    second.emit("run_start", command="draft")
    events = read_events(path)
    assert [(e["run"], e["type"]) for e in events] == [(first.run, "run_start"), (second.run, "run_start")]


def test_bad_lines_are_skipped(tmp_path):
    path = tmp_path / EVENTS_FILE
    path.write_bytes(b'not json\n[1, 2]\n\xff\xfe\n{"run": "a", "seq": 1, "type": "notice"}\n')
    assert read_events(path) == [{"run": "a", "seq": 1, "type": "notice"}]
    assert read_events(tmp_path / "missing.jsonl") == []


def test_read_from_follows_a_growing_file(tmp_path):
    path = tmp_path / EVENTS_FILE
    log = EventLog()
    log.attach(path)
    log.emit("notice", text="one")
    events, offset = read_from(path, 0)
    assert [e["text"] for e in events] == ["one"]
    assert read_from(path, offset) == ([], offset)
    with open(path, "ab") as handle:
        handle.write(b'{"run": "r", "seq": 9, "type": "notice", "text": "half')
    assert read_from(path, offset) == ([], offset)  # a line still being written waits
    with open(path, "ab") as handle:
        handle.write(b'"}\n')
    events, later = read_from(path, offset)
    assert [e["text"] for e in events] == ["half"] and later == path.stat().st_size


def test_read_from_starts_again_after_a_rotation(tmp_path):
    path = tmp_path / EVENTS_FILE
    log = EventLog(max_bytes=600)
    log.attach(path)
    offset = 0
    seen = []
    for number in range(40):
        log.emit("notice", text=f"line {number:02d} " + "x" * 40)
        events, offset = read_from(path, offset)
        seen += [e["text"][:7] for e in events]
    assert path.stat().st_size <= 600
    assert seen[-1] == "line 39" and seen[0] == "line 00"
    assert read_from(path, 10 ** 9)[0] == read_events(path)  # an offset past the end: from the start


def test_the_file_keeps_the_last_runs(tmp_path):
    path = tmp_path / EVENTS_FILE
    ids = []
    for _ in range(5):
        log = EventLog(max_runs=3)
        log.attach(path)
        log.emit("run_start", command="write")
        log.emit("run_end", outcome="done", exit_code=0)
        ids.append(log.run)
    assert runs_in(read_events(path)) == ids[-3:]
    assert not list(tmp_path.glob("*.tmp"))


def test_the_file_keeps_about_max_bytes(tmp_path):
    path = tmp_path / EVENTS_FILE
    log = EventLog(max_bytes=10_000)
    log.attach(path)
    for number in range(1000):
        log.emit("content", text="word " * 10)
    size = path.stat().st_size
    assert size <= 10_000
    events = read_events(path)
    assert events[-1]["seq"] == 1000
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], 1001))


def test_a_log_that_is_a_link_is_left_alone(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not ours, no newline at the end")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / EVENTS_FILE).symlink_to(outside)
    log = EventLog()
    log.attach(tmp_path / "state" / EVENTS_FILE)
    log.emit("notice", text="hello")
    assert outside.read_bytes() == b"not ours, no newline at the end"


def test_a_stream_that_is_gone_does_not_stop_the_file(tmp_path):
    class Gone:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    log = EventLog(stream=Gone())
    log.attach(tmp_path / EVENTS_FILE)
    log.emit("notice", text="one")
    log.emit("run_end", outcome="", exit_code=129)
    assert [e["type"] for e in read_events(tmp_path / EVENTS_FILE)] == ["notice", "run_end"]
