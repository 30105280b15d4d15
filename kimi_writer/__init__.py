"""kimi-writer: an agent that writes long-form fiction from one prompt."""

__version__ = "0.1.0"
