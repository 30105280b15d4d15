"""One path to a model: the streamed call, retries with backoff, usage, budgets, and a failure
told in one sentence. The planner, the writer and compression all call a model through a Caller.

A request over the model's token limit raises ContextOverflow: the caller never compresses, the
agent's loop does (and retries once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import openai

from .api_errors import Scrubber, fatal_from, is_connect_failure, is_context_overflow
from .scrubbed_stream import ScrubbedStream
from .client import AssistantTurn, ModelClient, StreamCut, StreamListener, TurnCut
from ..core.errors import BudgetExceeded, ContextOverflow, FatalModelError
from ..core.messages import Kind, Message, user
from ..core.prompts import render
from .retry import Backoff, transient_reason
from ..book.session import UsageTotals
from ..settings import Price, Settings
from ..core.tokens import count_text, estimate_message


class Notices(Protocol):
    """Where a caller tells the user what happens (the planner's display)."""

    def notice(self, text: str) -> None: ...
    def end_turn(self) -> None: ...


class _Silent:
    """No notices: the writer retries silently."""

    def notice(self, text: str) -> None:
        pass

    def end_turn(self) -> None:
        pass


@dataclass(frozen=True)
class Limits:
    """--max-tokens and --max-cost, and the model's price that turns tokens into dollars."""

    max_tokens: int | None = None
    max_cost: float | None = None
    price: Price | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(settings.max_tokens, settings.max_cost, settings.price())


@dataclass(frozen=True)
class FailsAs:
    """How a caller reports a permanent failure instead of a FatalModelError: `kind(prefix + reason)`."""

    kind: type[Exception]
    prefix: str


def estimate_request(messages: list[Message]) -> int:
    """Offline estimate of the tokens of `messages`."""
    return sum(estimate_message(m) for m in messages)


CONNECT_PATIENCE = 6.0  # seconds of retries for a server not reached yet: a wrong address fails fast


class Caller:
    """Calls one model. Transient failures (and cut streams, whose partial turn is discarded) are
    retried with backoff; a turn the client cut (for its length, time or the budget) is counted, and
    with `retry_cuts` one cut for its length or time is retried once, asking for a shorter reply; a
    budget cut raises BudgetExceeded; anything else raises one exception: ContextOverflow, or
    `fails_as` if given, or else a FatalModelError of one sentence. Counts each turn's
    usage into `usage` (None: not counted) and keeps the book within `limits`."""

    def __init__(self, client: ModelClient, backoff: Backoff, scrubber: Scrubber, *,
                 notices: Notices | None = None, usage: UsageTotals | None = None,
                 limits: Limits = Limits(), measure: Callable[[list[Message]], int] = estimate_request,
                 key_source: str = "", fails_as: FailsAs | None = None,
                 retry_cuts: bool = True):
        self.client, self.backoff, self.scrub = client, backoff, scrubber
        self.reached = False  # whether a turn has come back from this server in this run
        self._unreachable_since: float | None = None
        self.notices = notices or _Silent()
        self.usage, self.limits, self.measure = usage, limits, measure
        self.key_source, self.fails_as, self.retry_cuts = key_source, fails_as, retry_cuts

    def call(self, messages: list[Message], tools: list[dict] | None, listener: StreamListener, max_tokens: int,
             on_retry: Callable[[], None] | None = None, tool_choice: str | dict | None = None) -> AssistantTurn:
        """One model turn, streamed to `listener`; `on_retry` runs before each retry of a failed turn;
        `tool_choice` goes to the server as given."""
        attempt = cuts = 0
        while True:
            shown = ScrubbedStream(listener, self.scrub)
            try:
                turn = self.client.complete(messages, tools, shown, max_tokens=max_tokens,
                                            budget_tokens=self.output_allowance(messages), tool_choice=tool_choice)
            except (StreamCut, openai.OpenAIError) as error:
                if isinstance(error, TurnCut):
                    cuts += 1
                    messages = self._after_cut(error, messages, cuts, max_tokens)
                    continue
                attempt += 1
                self._before_retry(error, attempt)
                if on_retry is not None:
                    on_retry()
                continue
            shown.flush()
            self.notices.end_turn()
            self.reached = True
            self._count_usage(messages, tools, turn)
            return self._scrubbed(turn)

    def _scrubbed(self, turn: AssistantTurn) -> AssistantTurn:
        """The turn with every configured key taken out of what the model said (a model may echo a key
        it saw), before it is saved anywhere or sent to another model."""
        turn.content, turn.reasoning = self.scrub(turn.content), self.scrub(turn.reasoning)
        for call in turn.tool_calls:
            call.arguments = self.scrub(call.arguments)
        try:
            turn.reasoning_details = json.loads(self.scrub(json.dumps(turn.reasoning_details)))
        except (ValueError, RecursionError):  # nested past any use: dropped
            turn.reasoning_details = []
        return turn

    def _before_retry(self, error: BaseException, attempt: int) -> None:
        """Wait before retry number `attempt`, or raise if retrying cannot help or is used up."""
        self.notices.end_turn()
        reason = transient_reason(error)
        if reason is None or attempt > self.backoff.max_retries:
            raise self._permanent(error, reason) from error
        delay = self.backoff.delay(attempt, error)
        if self._gives_up_connecting(error, delay):
            raise self._permanent(error, None) from error
        shown = f"{delay:.0f}" if delay >= 1 else f"{delay:.1f}"
        self.notices.notice(f"retrying in {shown}s ({reason}; retry {attempt} of {self.backoff.max_retries})")
        time.sleep(delay)

    def _gives_up_connecting(self, error: BaseException, delay: float) -> bool:
        """A server this run never reached, refusing or failing to connect: a wrong address, most
        likely, so the retries stop within CONNECT_PATIENCE seconds instead of a minute."""
        if self.reached or not is_connect_failure(error):
            return False
        now = time.monotonic()
        self._unreachable_since = self._unreachable_since or now
        return now - self._unreachable_since + delay > CONNECT_PATIENCE

    def _after_cut(self, cut: TurnCut, messages: list[Message], cuts: int, max_tokens: int) -> list[Message]:
        """Count the cut turn, then stop (budget, or a second cut in a row) or return the request
        to retry: the same messages with a note asking for a shorter reply."""
        self.notices.end_turn()
        if self.usage is not None:
            self.usage.add(self.measure(messages), cut.output_tokens, 0, estimated=True)
        if cut.kind == "budget":
            raise BudgetExceeded(self._over_budget())
        if not self.retry_cuts:
            raise self._permanent(cut, str(cut))
        if cuts >= 2:
            raise FatalModelError(f"the model's reply was cut off twice in a row, the second time because {cut}; "
                                  "try again, or try another model with --model.")
        self.notices.notice(f"The reply was cut off: {cut}. Retrying once, asking for a shorter reply.")
        note = render("turn_cut.md.j2", reason=str(cut), max_tokens=max_tokens)
        return [*messages, user(Kind.NUDGE, note)]

    def _count_usage(self, messages: list[Message], tools: list[dict] | None, turn: AssistantTurn) -> None:
        """The server's usage; where it reported none, an offline estimate of the request and the reply."""
        if self.usage is None:
            return
        if turn.usage:
            self.usage.add(turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.usage.cached_tokens)
            return
        prompt = (count_text(json.dumps(tools)) if tools else 0) + estimate_request(messages)
        self.usage.add(prompt, estimate_message(turn.to_message()), 0, estimated=True)

    # -- budgets

    def check_budget(self, next_prompt: int) -> None:
        """Stop before a call that would take the book over --max-tokens or --max-cost; the next
        call is reckoned as the current context plus the average reply so far."""
        usage, limit = self.usage, self.limits.max_tokens
        if usage is None:
            return
        next_reply = usage.completion_tokens // max(1, usage.requests)
        projected = usage.prompt_tokens + usage.completion_tokens + next_prompt + next_reply
        if limit is not None and projected > limit:
            raise BudgetExceeded(f"the next call would bring the book to about {projected:,} tokens, "
                                 f"over --max-tokens {limit:,}")
        price, budget = self.limits.price, self.limits.max_cost
        if budget is not None and price is not None:
            cost = (usage.cost(price) or 0.0) + (next_prompt * price.input + next_reply * price.output) / 1_000_000
            if cost > budget:
                raise BudgetExceeded(f"the next call would bring the book to about ${cost:.4f}, "
                                     f"over --max-cost ${budget:.2f}")

    def output_allowance(self, messages: list[Message]) -> int | None:
        """Output tokens the reply to `messages` may produce before it alone takes the book over
        --max-tokens or --max-cost; None without a budget."""
        limits, usage = self.limits, self.usage
        if usage is None or (limits.max_tokens is None and limits.max_cost is None):
            return None
        prompt = self.measure(messages)
        allowed = []
        if limits.max_tokens is not None:
            allowed.append(limits.max_tokens - usage.prompt_tokens - usage.completion_tokens - prompt)
        price, budget = limits.price, limits.max_cost
        if budget is not None and price is not None and price.output > 0:
            left = budget - (usage.cost(price) or 0.0) - prompt * price.input / 1_000_000
            allowed.append(int(left * 1_000_000 / price.output))
        return max(0, min(allowed)) if allowed else None

    def _over_budget(self) -> str:
        """The sentence for a turn stopped in flight by --max-tokens or --max-cost."""
        usage, limit = self.usage or UsageTotals(), self.limits.max_tokens
        total = usage.prompt_tokens + usage.completion_tokens
        if limit is not None and total > limit:
            return f"the reply in progress took the book to about {total:,} tokens, over --max-tokens {limit:,}; it was stopped"
        cost = usage.cost(self.limits.price) or 0.0
        return (f"the reply in progress took the book to about ${cost:.4f}, "
                f"over --max-cost ${self.limits.max_cost or 0:.2f}; it was stopped")

    # -- failures

    def _permanent(self, error: BaseException, reason: str | None) -> Exception:
        """The one exception for a failure that retrying cannot fix (or that retries did not)."""
        if self.fails_as is not None:
            return self.fails_as.kind(self.scrub(f"{self.fails_as.prefix}{reason or error}"))
        if isinstance(error, openai.BadRequestError) and is_context_overflow(error):
            return ContextOverflow(str(error))
        models = self._offered_models() if isinstance(error, openai.NotFoundError) else None
        return fatal_from(error, base_url=self.client.base_url, model=self.client.model,
                          key_source=self.key_source, secret=self.scrub, models=models)

    def _offered_models(self) -> list[str] | None:
        try:
            return self.client.list_models()
        except openai.OpenAIError:
            return None
