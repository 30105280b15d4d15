"""Serve the studio: a token, a port, the one line to open, and a clean stop that lets runs save."""

from __future__ import annotations

import secrets
import socket
import sys
import webbrowser
from pathlib import Path

import uvicorn

from .app import create_app
from .security import allowed_hosts

LOCAL = {"127.0.0.1", "localhost", "::1"}


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), made before the line names the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def serve(projects_dir: Path, host: str, port: int, open_browser: bool, cli: list[str] | None = None) -> None:
    """Run the studio until Ctrl+C; then SIGTERM the runs it started and wait for them to save."""
    if host not in LOCAL:
        sys.stderr.write(f"Warning: the studio listens on {host}, not only on this machine; anyone who "
                         "can reach it and learns the token can read and change your books.\n")
    sock = bound_socket(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(projects_dir, token, allowed_hosts(host, port), cli)
    url = address(host, port, token)
    print(f"Studio: {url}", flush=True)
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.runs.stop_all()
