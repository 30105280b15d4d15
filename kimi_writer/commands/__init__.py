"""The subcommands of `kimi-writer`, one module each; `run.py` builds a writing run from the settings."""
