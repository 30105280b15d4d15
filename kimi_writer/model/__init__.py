"""The model edge: one streamed chat completion as a typed reply (client), one path to a model
with retries, usage and budgets (caller), backoff (retry) and API errors and secret scrubbing
(api_errors). The only place with wire dicts.

May import `book`, `core` and the root settings; never the loop above it."""
