"""Turning the openai SDK's exceptions into one plain sentence, with every secret scrubbed."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

import openai

from .client import NotAStream, StreamCut
from ..core.errors import FatalModelError
from ..settings import Settings


MIN_KEY_LENGTH = 16  # a shorter "key" (demo, test, anything) cannot be a real one: scrubbing it mangles paths
MIN_SECRET_LENGTH = 4  # a URL password: shorter ones would mangle ordinary words
_TOKEN_CHARACTER = r"[A-Za-z0-9_\-]"  # a secret is scrubbed only as a whole token, never inside a word or a name
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_UNFINISHED_URL = re.compile(r"(?i)[a-z][a-z0-9+.-]*(?::(?://?[^/\s@]*)?)?$")  # a last word, or `scheme://user:pa`
MAX_PENDING = 256  # characters of streamed text held back at most while they may still become URL credentials


def url_secrets(url: str | None) -> list[str]:
    """The password of `url` (as written and decoded) and the Basic auth token made of it."""
    parts = urlsplit(url or "")
    if not parts.password:
        return []
    user, password = unquote(parts.username or ""), unquote(parts.password)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [parts.password, password, basic]


class Scrubber:
    """Takes every secret out of a text: the API keys of 16 characters or more (shown as their first
    3 characters and `…`), the password of a base URL, and any `user:password@` in a URL. A secret
    is replaced only as a whole token, so a short demo key never cuts a word out of a path."""

    def __init__(self, keys: Iterable[str | None] = (), passwords: Iterable[str | None] = ()):
        masks = {key: key[:3] + "…" for key in keys if key and len(key) >= MIN_KEY_LENGTH}
        masks.update({password: "***" for password in passwords if password and len(password) >= MIN_SECRET_LENGTH})
        self.masks = masks
        self._patterns = {secret: re.compile(f"(?<!{_TOKEN_CHARACTER}){re.escape(secret)}(?!{_TOKEN_CHARACTER})")
                          for secret in masks}

    @classmethod
    def from_settings(cls, settings: Settings) -> "Scrubber":
        """Every secret of a run: the keys, and the credentials of the base URLs (planner, writer, critic)."""
        keys = [secret.get_secret_value() for secret in (settings.api_key, settings.writer_api_key,
                                                          settings.critic_api_key) if secret]
        passwords = url_secrets(settings.base_url) + url_secrets(settings.writer_base_url) \
            + url_secrets(settings.critic_base_url)
        return cls(keys + [key.strip() for key in keys], passwords)

    def pending_from(self, text: str) -> int:
        """Where the end of `text` may still grow into a secret (the start of a key, a word that may be a
        URL's scheme, a URL's unfinished credentials); len(text) where it cannot. Streamed text is shown
        up to there, so that no secret is shown in two halves that each look harmless."""
        cut = len(text)
        for secret in self.masks:
            size = next((size for size in range(min(len(secret) - 1, len(text)), 0, -1)
                         if text.endswith(secret[:size])), 0)
            cut = min(cut, len(text) - size)
        unfinished = _UNFINISHED_URL.search(text[-MAX_PENDING:])
        if unfinished:
            cut = min(cut, len(text) - len(unfinished.group()))
        return max(cut, len(text) - MAX_PENDING - max(map(len, self.masks), default=0))

    def __call__(self, text: str) -> str:
        text = _URL_CREDENTIALS.sub(r"\1***@", text)
        for secret in sorted(self.masks, key=len, reverse=True):
            text = self._patterns[secret].sub(lambda _: self.masks[secret], text)
        return text


def scrub(text: str, secret: str | Scrubber | None) -> str:
    """Remove the API key (or every secret a Scrubber knows) from a message."""
    scrubber = secret if isinstance(secret, Scrubber) else Scrubber([secret])
    return scrubber(text)


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    message = inner.get("message") if isinstance(inner, dict) else None
    return str(message or error.message)


def is_quota_error(error: openai.APIStatusError) -> bool:
    """429 `exceeded_current_quota_error`: out of balance, so retrying cannot help."""
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    kind = str(inner.get("type") or inner.get("code") or "") if isinstance(inner, dict) else ""
    text = (kind + " " + _server_message(error)).lower()
    return error.status_code == 429 and ("quota" in text or "balance" in text)


def is_connect_failure(error: BaseException) -> bool:
    """A connection that could not be made at all (refused, no such host), not a slow or cut one."""
    return isinstance(error, openai.APIConnectionError) and not isinstance(error, openai.APITimeoutError)


def connection_problem(error: BaseException) -> str:
    """Why a connection failed, in a few words."""
    cause = str(error.__cause__ or error).lower()
    if "refused" in cause:
        return "the connection was refused"
    if "name or service" in cause or "nodename" in cause or "name resolution" in cause or "not known" in cause:
        return "the host name was not found"
    if "unreachable" in cause:
        return "the network is unreachable"
    return "no connection could be made"


def is_context_overflow(error: openai.APIStatusError) -> bool:
    text = _server_message(error).lower()
    return error.status_code == 400 and ("token limit" in text or "context length" in text
                                         or "context_length" in text or "too long" in text)


def fatal_from(error: BaseException, *, base_url: str, model: str, key_source: str,
               secret: str | Scrubber | None, models: list[str] | None = None) -> FatalModelError:
    """The FatalModelError that tells the user what went wrong and what to do."""
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        sentence = (f"The server at {base_url} rejected the API key (HTTP {error.status_code}); "
                    f"check the key in {key_source}.")
    elif isinstance(error, openai.NotFoundError) and models is None:
        sentence = (f"The server at {base_url} answered 404 (not found) for /chat/completions and lists no models; "
                    f"the base URL may need /v1 at its end (such as {base_url.rstrip('/')}/v1): check --base-url.")
    elif isinstance(error, openai.NotFoundError):
        offered = f" It offers: {', '.join(models)}." if models else ""
        sentence = f"The server at {base_url} has no model '{model}' (HTTP 404); set --model or KIMI_WRITER_MODEL.{offered}"
    elif isinstance(error, openai.RateLimitError) and is_quota_error(error):
        sentence = f"The account is out of balance or quota ({_server_message(error)}); top it up and resume."
    elif isinstance(error, openai.RateLimitError):
        sentence = f"The server kept answering 429 (rate limited) after all retries: {_server_message(error)}"
    elif isinstance(error, openai.APIStatusError):
        sentence = f"The server answered HTTP {error.status_code}: {_server_message(error)}"
    elif isinstance(error, openai.APITimeoutError):
        sentence = f"The server at {base_url} did not answer in time, even after retries."
    elif isinstance(error, openai.APIConnectionError):
        sentence = (f"Could not connect to {base_url} ({connection_problem(error)}); check that the server is "
                    "running and that the address is right (--base-url).")
    elif isinstance(error, NotAStream):
        sentence = str(error)
    elif isinstance(error, StreamCut):
        sentence = f"The server kept cutting the stream off, even after retries ({error})."
    else:
        sentence = f"The model request failed: {error}"
    return FatalModelError(scrub(sentence, secret))
