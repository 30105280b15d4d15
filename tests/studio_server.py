"""The real `kimi-writer studio` in a subprocess, and raw HTTP requests to it (any Host, any path)."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from kimi_writer.studio.app import create_app
from kimi_writer.studio.security import allowed_hosts
from kimi_writer.studio.server import address, bound_socket

from kimi_writer.judge.rubric import Review
from kimi_writer.book.edits import content_hash
from tests.conftest import CLI, TEST_KEY, clean_env

START_TIMEOUT = 60
SCORES_NINE = {"character": 7, "setting": 8, "stakes": 6, "pacing": 7, "prose": 5, "outline_fidelity": 9,
               "character_consistency": 8, "world_consistency": 8, "continuity": 7}


class Studio:
    """`kimi-writer studio --projects-dir DIR --port 0 --no-browser`, its printed address and token."""

    def __init__(self, projects: Path, home: Path, **env: str):
        self.projects, self.home, self.env = projects, home, env
        self.process: subprocess.Popen | None = None
        self.url = self.base = self.token = ""

    def __enter__(self) -> "Studio":
        environment = clean_env(self.home, KIMI_WRITER_API_KEY=TEST_KEY, **self.env)
        self.process = subprocess.Popen([str(CLI), "studio", "--projects-dir", str(self.projects), "--port", "0",
                                         "--no-browser"], cwd=self.home, env=environment, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.process.stdout.readline().strip()  # type: ignore[union-attr]
        assert line.startswith("Studio: http://127.0.0.1:"), (line, self.process.stderr.read())  # type: ignore[union-attr]
        self.url = line.removeprefix("Studio: ")
        self.base, self.token = self.url.split("/?token=")
        self.port = int(self.base.rsplit(":", 1)[1])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, timeout: float = 60) -> int:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else 0

    def events(self, run: str) -> list[dict]:
        """Every event of the run's server-sent stream, read to its end."""
        status, _, body = self.request("GET", f"/api/runs/{run}/events")
        assert status == 200, body
        return [json.loads(line[len("data: "):]) for line in body.decode().splitlines()
                if line.startswith("data: ") and line != "data: {}"]

    def request(self, method: str, path: str, body: object = None, headers: dict | None = None,
                auth: bool = True) -> tuple[int, dict, bytes]:
        """(status, headers with lower-case names, body) of one request; Bearer token unless auth=False."""
        sent = {"Host": f"127.0.0.1:{self.port}"}
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            sent.update({"Content-Type": "application/json", "Content-Length": str(len(data))})
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders(data)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, body: object = None, **options) -> tuple[int, object]:
        status, _, data = self.request(method, path, body, **options)
        return status, json.loads(data) if data else None


def save_review(root: Path, chapter: str, overall_scores: dict[str, int], quote: str) -> None:
    """A saved review of the chapter as it is on disk, as `kimi-writer review` leaves it."""
    text = (root / chapter).read_text(encoding="utf-8")
    review = Review(chapter=chapter, scores=overall_scores, overall=round(sum(overall_scores.values()) / 9, 2),
                    reasons={"prose": "flat sentences"}, notes=[{"quote": quote, "problem": "a stock opening",
                                                                 "fix": "open on Hale"}],
                    sha256=content_hash(text), model="kimi-k2.6", reviewed_at="2026-12-01T10:00:00")
    folder = root / ".kimi_writer" / "reviews"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{Path(chapter).stem}.json").write_text(review.model_dump_json(), encoding="utf-8")


def wait_for(check, timeout: float = 30.0, step: float = 0.05):
    """The first truthy result of check() within timeout, else AssertionError."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(step)
    raise AssertionError("timed out waiting")


FAKE_CLI = [sys.executable, str(Path(__file__).resolve().parent / "fake_cli.py")]


class InProcessStudio(Studio):
    """The studio's app under uvicorn in a thread, its runs started with `cli` (the events stand-in)."""

    def __init__(self, projects: Path, cli: list[str] | None = None):
        super().__init__(projects, projects)
        self.cli = cli or FAKE_CLI

    def __enter__(self) -> "InProcessStudio":
        sock = bound_socket("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        self.token = "test-token-" + str(self.port)
        self.app = create_app(self.projects, self.token, allowed_hosts("127.0.0.1", self.port), self.cli)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, START_TIMEOUT)
        self.url = address("127.0.0.1", self.port, self.token)
        self.base = self.url.split("/?token=")[0]
        return self

    def stop(self, timeout: float = 60) -> int:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.app.state.runs.stop_all()
        return 0
