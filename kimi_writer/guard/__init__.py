"""The mechanical guard: style checks with no model (checks) and stock phrases (style).

May import `book`, `core` and the root settings."""
