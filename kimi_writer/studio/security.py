"""The studio opens the book, not the machine: a token on every request, the Host it serves,
state changes only by POST or PUT from its own origin, and a Content-Security-Policy."""

from __future__ import annotations

import hmac
import socket
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "kimi_studio"
CHANGES = {"POST", "PUT"}
READS = {"GET", "HEAD"}
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", POLICY.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers the studio answers: the address it serves, and localhost, with the port
    (listening on every address, 0.0.0.0 or ::, also this machine's name and addresses)."""
    names = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "localhost", "0.0.0.0", "::") else {host}
    if host in ("0.0.0.0", "::"):
        names |= _machine_names()
    shown = {f"[{name}]" if ":" in name else name for name in names}
    return {f"{name}:{port}" for name in shown}


def _machine_names() -> set[str]:
    try:
        name = socket.gethostname()
        return {name, *(info[4][0] for info in socket.getaddrinfo(name, None))}
    except OSError:
        return set()


class Guard:
    """ASGI middleware in front of every route (the event stream and downloads included)."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]):
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            await _with_headers(PlainTextResponse(refusal, status_code=403))(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query and scope["method"] in READS and not scope["path"].startswith("/api/"):
            await self.set_cookie(scope, query)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused (403), or None."""
        headers = Headers(scope=scope)
        if headers.get("host", "") not in self.hosts:
            return "This studio answers only at its own address."
        bearer = self._bearer(headers)
        if not (bearer or self._token_in(scope, headers)):
            return "This studio needs its token: open the address `kimi-writer studio` printed."
        if scope["method"] not in READS | CHANGES:
            return "Only GET, POST and PUT are served."
        if scope["method"] in CHANGES and not self._own_origin(headers.get("origin"), bearer):
            return "A change must come from the studio's own page."
        return None

    def _own_origin(self, origin: str | None, bearer: bool) -> bool:
        """A change names the studio as its origin; a script with the token may name none, but no
        request names another site."""
        return origin in self.origins() or (origin is None and bearer)

    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.hosts}

    def _matches(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())  # type: ignore[union-attr]

    def _bearer(self, headers: Headers) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self._matches(value.strip())

    def _token_in(self, scope: Scope, headers: Headers) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no token
            return False
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        return self._matches(cookie[COOKIE].value if COOKIE in cookie else None) or self._matches(query.get("token"))

    def set_cookie(self, scope: Scope, query: dict[str, str]) -> RedirectResponse:
        """The token from the URL goes into the cookie, and the address bar loses it."""
        rest = urlencode({key: value for key, value in query.items() if key != "token"})
        response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return _with_headers(response)


def _with_headers(response):
    response.raw_headers.extend(HEADERS)
    return response
