"""Which failures are worth retrying, and how long to wait before the next try."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import openai

from .api_errors import is_quota_error
from .client import NotAStream, StreamCut, TurnCut

MAX_HONOURED_RETRY_AFTER = 300.0


def transient_reason(error: BaseException) -> str | None:
    """Why a retry may succeed, in a few words; None for a failure that retrying cannot fix."""
    if isinstance(error, (NotAStream, TurnCut)):
        return None  # a wrong address, or a cut made on purpose: the same request would fare the same
    if isinstance(error, StreamCut):
        return f"{error}; the partial reply was discarded"
    if isinstance(error, openai.APITimeoutError):
        return "the server did not answer in time"
    if isinstance(error, openai.APIConnectionError):
        return "the connection failed"
    if isinstance(error, openai.RateLimitError):
        return None if is_quota_error(error) else "rate limited or overloaded, HTTP 429"
    if isinstance(error, openai.APIStatusError) and (error.status_code >= 500 or error.status_code in (408, 409)):
        return f"server error, HTTP {error.status_code}"
    return None


def retry_after(error: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After or retry-after-ms), if it said."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        if value.strip().replace(".", "", 1).isdigit():
            return float(value)
        moment = parsedate_to_datetime(value)
        return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass
class Backoff:
    """Exponential backoff with jitter, honouring the server's Retry-After."""

    max_retries: int
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, error: BaseException) -> float:
        asked = retry_after(error)
        if asked is not None:
            return min(asked, MAX_HONOURED_RETRY_AFTER)
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
