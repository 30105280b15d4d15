"""What a book, or the set-up, looks like to its reader: the status report (status) and the checks of
`kimi-writer doctor` (doctor).

May import `local`, `judge` and everything below them."""
