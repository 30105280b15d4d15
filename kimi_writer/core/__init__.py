"""The vocabulary every layer shares: exit codes and stops (errors), the typed conversation
(messages), the prompt templates (prompts), token counts (tokens) and the one thread pool (pool).

Imports nothing of kimi_writer but `settings`; everything else may import it."""
