"""The book on disk: the project folder and its sandbox (project), the outline, the manuscript,
the saved conversation (session), the lock, finding a project (locate), author edits (edits) and
the continuity ledger (ledger).

May import `core` and the root settings, nothing above."""
