"""All settings in one pydantic model: defaults < environment and .env < command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import re
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "https://api.moonshot.ai/v1"
DEFAULT_MODEL = "kimi-k2.6"


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def language_tag(tag: str) -> str:
    """A BCP 47 tag in its usual case (zh-Hant, pt-BR, en); ValueError when `tag` is not one."""
    tag = tag.strip()
    if not _LANGUAGE_TAG.match(tag):
        raise ValueError(f"{tag!r} is not a language tag; use one like zh, zh-Hant, ja or en")
    first, *rest = tag.replace("_", "-").split("-")
    return "-".join([first.lower()] + [part.title() if len(part) == 4 else part.upper() if len(part) == 2
                                       else part.lower() for part in rest])


URL_RULE = "must be a whole URL that starts with http:// or https://, such as https://api.moonshot.ai/v1"


def url_problem(url: str) -> bool:
    """Whether `url` is not a usable server address (no http/https scheme, no host, a bad port, spaces)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        return True
    return parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url)


class Price(BaseModel):
    """US dollars per million tokens."""

    input: float
    cached_input: float
    output: float


# Prices from Moonshot's list for kimi-k2-thinking; kimi-k2.6 is assumed to cost the same.
DEFAULT_PRICES = {
    "kimi-k2-thinking": Price(input=0.60, cached_input=0.15, output=2.50),
    "kimi-k2.6": Price(input=0.60, cached_input=0.15, output=2.50),
}


class Settings(BaseSettings):
    """Every setting of a run. Environment variables use the KIMI_WRITER_ prefix."""

    model_config = SettingsConfigDict(
        env_prefix="KIMI_WRITER_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KIMI_WRITER_API_KEY", "MOONSHOT_API_KEY")
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        validation_alias=AliasChoices("KIMI_WRITER_BASE_URL", "MOONSHOT_BASE_URL"),
    )
    model: str = DEFAULT_MODEL
    projects_dir: Path = Path("projects")
    max_iterations: int = Field(default=300, ge=1)
    temperature: float = Field(default=1.0, ge=0.0, le=2.0)
    max_output_tokens: int = Field(default=65_536, ge=1, description="max output tokens per call")
    max_tokens: int | None = Field(default=None, ge=1, description="budget: total tokens for the run")
    max_cost: float | None = Field(default=None, gt=0, description="budget: estimated dollars for the run")
    chapter_words: int | None = Field(default=None, ge=1, description="target words per chapter")
    language: str | None = None  # the book's BCP 47 tag; None: stored in the project, else detected from the prompt
    token_limit: int = Field(default=200_000, ge=1_000)
    compress_at: int | None = Field(default=None, ge=1)
    checkpoint_every: int = Field(default=50, ge=1)
    max_retries: int = Field(default=6, ge=0)
    retry_base_delay: float = Field(default=1.0, ge=0, description="first backoff delay in seconds")
    request_timeout: float = Field(default=600.0, gt=0)
    turn_timeout: float = Field(default=900.0, gt=0, description="seconds one model turn may stream, in all")
    max_format_errors: int = Field(default=5, ge=1)
    context: Literal["full", "compact"] = "compact"
    provider: Literal["remote", "local"] | None = None  # None: remote, or local when no key is set
    model_path: Path | None = None  # a GGUF file for the local provider
    plan_only: bool = False
    force: bool = False  # write --force: the agent may replace the author's imported chapters
    continue_: str | None = Field(  # write PROJECT --continue "what happens next": resume PROJECT with this note
        default=None, validation_alias=AliasChoices("KIMI_WRITER_CONTINUE"))
    show_reasoning: bool = False  # keep each turn's full reasoning in the scrollback
    json_output: bool = False  # --json: the run's events as JSON lines on stdout instead of the console view
    writer_model: str | None = None  # a second model that drafts chapters (draft_chapter)
    writer_base_url: str | None = None  # default: base_url
    writer_api_key: SecretStr | None = None  # KIMI_WRITER_WRITER_API_KEY; default: api_key
    critic_model: str | None = None  # the model that reviews chapters; default: model
    critic_base_url: str | None = None  # default: base_url
    critic_api_key: SecretStr | None = None  # KIMI_WRITER_CRITIC_API_KEY; default: api_key
    review: Literal["auto", "off"] = "off"  # write --review auto: the critic reviews every chapter that lands
    parallel: int = Field(default=1, ge=1, le=16, description="chapters drafted at once")
    max_write_chars: int = Field(default=200_000, ge=1, description="the longest content of one write_file")
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str | None) -> str | None:
        try:
            return None if value is None else language_tag(value)
        except ValueError:
            raise PydanticCustomError("language_tag", "must be a language tag such as zh, zh-Hant, ja or en") from None

    @field_validator("base_url", "writer_base_url", "critic_base_url")
    @classmethod
    def _whole_url(cls, url: str | None) -> str | None:
        """A server's address must be whole: http:// or https://, a host; a missing scheme is never guessed."""
        if url is not None and url_problem(url):
            raise PydanticCustomError("url_invalid", URL_RULE)
        return url

    @model_validator(mode="after")
    def _default_compress_at(self) -> "Settings":
        if self.compress_at is None:
            self.compress_at = int(self.token_limit * 0.9)
        if self.compress_at > self.token_limit:
            raise PydanticCustomError(
                "compress_over_limit", "--compress-at ({compress_at}) must not exceed --token-limit ({token_limit})",
                {"compress_at": self.compress_at, "token_limit": self.token_limit})
        return self

    def price(self) -> Price | None:
        """The price of the configured model, or None when unknown (tokens are still counted)."""
        return self.prices.get(self.model)
