"""Turning the openai SDK's exceptions into one plain sentence, with the key scrubbed."""

from __future__ import annotations

import openai

from .client import NotAStream, StreamCut
from .errors import FatalModelError


def scrub(text: str, secret: str | None) -> str:
    """Remove the API key (and anything that starts like it) from a message."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, secret[:3] + "…")
    return text


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


def is_context_overflow(error: openai.APIStatusError) -> bool:
    text = _server_message(error).lower()
    return error.status_code == 400 and ("token limit" in text or "context length" in text
                                         or "context_length" in text or "too long" in text)


def fatal_from(error: BaseException, *, base_url: str, model: str, key_source: str,
               secret: str | None, models: list[str] | None = None) -> FatalModelError:
    """The FatalModelError that tells the user what went wrong and what to do."""
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        sentence = (f"The server at {base_url} rejected the API key (HTTP {error.status_code}); "
                    f"check the key in {key_source}.")
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
        sentence = f"Could not connect to {base_url}, even after retries; check the address and your network."
    elif isinstance(error, NotAStream):
        sentence = str(error)
    elif isinstance(error, StreamCut):
        sentence = f"The server kept cutting the stream off, even after retries ({error})."
    else:
        sentence = f"The model request failed: {error}"
    return FatalModelError(scrub(sentence, secret))
