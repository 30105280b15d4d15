"""The studio's figures: the book page of a 120-chapter book, the delay from an event written to
events.jsonl to the event received by a page's stream, and the studio's memory with three runs going.
Goals: under 300 ms, under 0.5 s, under 150 MB.

The studio runs here as in `kimi-writer studio` (uvicorn, the same app), in a child process whose
runs are tests/fake_cli.py (it keeps the events contract; each run sleeps between its steps).

    python bench/studio.py [--chapters 120] [--words 3000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lint_speed import write_book  # noqa: E402
from tests.studio_server import SCORES_NINE, save_review  # noqa: E402

SERVE = """
import sys, uvicorn
sys.path.insert(0, {root!r})
from kimi_writer.studio.app import create_app
from kimi_writer.studio.security import allowed_hosts
from kimi_writer.studio.server import bound_socket
from tests.studio_server import FAKE_CLI
sock = bound_socket("127.0.0.1", 0)
port = sock.getsockname()[1]
app = create_app({projects!r}, "bench-token", allowed_hosts("127.0.0.1", port), FAKE_CLI)
print(port, flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])
"""


class Client:
    def __init__(self, port: int):
        self.port = port

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer bench-token", "Host": f"127.0.0.1:{self.port}", "Content-Type": "application/json"}

    def get(self, path: str) -> bytes:
        connection = self.connection()
        connection.request("GET", path, headers=self.headers())
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body[:200])
        return body

    def post(self, path: str, body: dict) -> dict:
        connection = self.connection()
        connection.request("POST", path, body=json.dumps(body), headers=self.headers())
        return json.loads(connection.getresponse().read())

    def stream(self, path: str):
        connection = self.connection()
        connection.request("GET", path, headers=self.headers())
        return connection.getresponse()


def event(run: str, seq: int, kind: str, **fields) -> str:
    return json.dumps({"run": run, "seq": seq, "time": datetime.now(timezone.utc).isoformat(), "type": kind,
                       **fields}) + "\n"


def book_page(client: Client, name: str, count: int = 10) -> tuple[float, float]:
    """(first, median of the next `count`) seconds for the book page."""
    start = time.perf_counter()
    client.get(f"/books/{name}")
    first = time.perf_counter() - start
    times = []
    for _ in range(count):
        start = time.perf_counter()
        client.get(f"/books/{name}")
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def event_delay(client: Client, root: Path, count: int = 20) -> list[float]:
    """Seconds from an event appended to the book's events.jsonl to the stream handing it over."""
    run, path = uuid.uuid4().hex[:12], root / ".kimi_writer" / "events.jsonl"
    path.parent.mkdir(exist_ok=True)
    (path.parent / "lock").write_text(json.dumps({"pid": os.getpid(), "command": "bench"}), encoding="utf-8")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(event(run, 0, "run_start", command="write", args=[], models={}))
    response = client.stream(f"/api/runs/{run}/events")
    delays = []
    for seq in range(1, count + 1):
        kind = "run_end" if seq == count else "content"
        with open(path, "a", encoding="utf-8") as handle:
            written = time.perf_counter()
            handle.write(event(run, seq, kind, text="x", exit_code=0, outcome="done"))
        while True:
            line = response.fp.readline().decode()
            if line.startswith("data: ") and json.loads(line[6:]).get("seq") == seq:
                delays.append(time.perf_counter() - written)
                break
        time.sleep(0.1)
    (path.parent / "lock").unlink()
    return delays


def memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def three_runs(client: Client, names: list[str]) -> list:
    """Three live runs, each with a page following its stream."""
    streams = []
    for name in names:
        run = client.post("/api/runs", {"command": "review", "book": name})["run"]
        response = client.stream(f"/api/runs/{run}/events")
        response.fp.readline()
        streams.append(response)
    return streams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=120)
    parser.add_argument("--words", type=int, default=3000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        projects = Path(home) / "projects"
        write_book(projects / "Bench", options.chapters, options.words)
        for number in range(1, options.chapters + 1, 2):
            save_review(projects / "Bench", f"chapter_{number:02d}.md", SCORES_NINE, "The")
        for name in ("Small_1", "Small_2", "Small_3"):
            write_book(projects / name, 3, 500)
        env = {**os.environ, "FAKE_DELAY": "5"}
        server = subprocess.Popen([sys.executable, "-c", SERVE.format(root=str(ROOT), projects=str(projects))],
                                  stdout=subprocess.PIPE, text=True, env=env)
        try:
            client = Client(int(server.stdout.readline()))
            idle = memory_mb(server.pid)
            first, median = book_page(client, "Bench")
            start = time.perf_counter()
            client.get("/api/books/Bench/lint")
            lint_first = time.perf_counter() - start
            start = time.perf_counter()
            client.get("/api/books/Bench/lint")
            lint_again = time.perf_counter() - start
            delays = event_delay(client, projects / "Bench")
            streams = three_runs(client, ["Small_1", "Small_2", "Small_3"])
            time.sleep(1)
            busy = memory_mb(server.pid)
            for response in streams:
                response.close()
        finally:
            server.terminate()
            server.wait(120)
    print(f"Book page, {options.chapters} chapters x {options.words:,} words: first {first * 1000:.0f} ms, "
          f"then median {median * 1000:.0f} ms (goal < 300 ms)")
    print(f"Lint findings of the book (fetched by the page after it loads): {lint_first:.1f} s, "
          f"then {lint_again * 1000:.0f} ms cached")
    print(f"Event written -> received: median {statistics.median(delays) * 1000:.0f} ms, "
          f"max {max(delays) * 1000:.0f} ms over {len(delays)} events (goal < 0.5 s)")
    print(f"Studio memory (RSS): {idle:.0f} MB idle, {busy:.0f} MB with three runs going and followed "
          "(goal < 150 MB; the runs are their own processes)")


if __name__ == "__main__":
    main()
