"""Time to receive large streamed tool-call arguments through ModelClient.

A minimal local SSE server answers every request with one `write_file` tool call whose
arguments arrive in 64-character pieces; the client parses the whole stream. The time grows
linearly when the pieces are collected in a list and joined once, faster than linearly when
each piece is appended to a string.

    python bench/stream_arguments.py [--sizes 1,4] [--piece 64]

To time another checkout's client (for a before/after figure), put it first on the path:
    PYTHONPATH=/work/main python bench/stream_arguments.py

Measured on a shared 2-core machine (2026-11-25):
    before (`+=` on strings, the SDK's typed chunks):  1 MB 2.6-3.2 s, 4 MB 17-18 s
    after (pieces joined once, chunks as plain JSON):  1 MB 0.34-0.36 s, 4 MB 1.3-1.4 s
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import kimi_writer.model.client
from kimi_writer.model.client import ModelClient

MB = 1_000_000


def sse_body(megabytes: float, piece: int) -> bytes:
    """One streamed chat completion: a tool call whose arguments are `megabytes` of JSON."""
    arguments = json.dumps({"filename": "big.md", "content": "x" * int(megabytes * MB)})
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "bench"}
    head = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "write_file", "arguments": ""}}
    deltas = [{"role": "assistant", "reasoning_content": "Write it.", "tool_calls": [head]}]
    deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": arguments[k:k + piece]}}]}
               for k in range(0, len(arguments), piece)]
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


class _Handler(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, format, *args):  # noqa: A002
        """Quiet."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


class _Quiet:
    """A listener that ignores progress, as a pipe would."""

    def on_reasoning(self, text): ...
    def on_content(self, text): ...
    def on_tool_call(self, index, name, chars): ...


def time_one(megabytes: float, piece: int) -> tuple[float, int]:
    """Seconds to stream `megabytes` of arguments, and the length received."""
    _Handler.body = sse_body(megabytes, piece)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        client = ModelClient(api_key="bench", base_url=f"http://127.0.0.1:{httpd.server_address[1]}/v1",
                             model="bench", temperature=1.0, max_tokens=10 * MB, timeout=600)
        started = time.perf_counter()
        turn = client.complete([{"role": "user", "content": "go"}], None, _Quiet())
        return time.perf_counter() - started, len(turn.tool_calls[0].arguments)
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4", help="megabytes of arguments, comma-separated")
    parser.add_argument("--piece", type=int, default=64, help="characters per streamed piece")
    args = parser.parse_args()
    print(f"client: {kimi_writer.model.client.__file__}")
    for size in (float(s) for s in args.sizes.split(",")):
        seconds, received = time_one(size, args.piece)
        print(f"{size:g} MB of arguments in {args.piece}-char pieces: {seconds:.2f} s "
              f"({received:,} chars, {received / seconds / MB:.2f} MB/s)")


if __name__ == "__main__":
    main()
