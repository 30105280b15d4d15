"""What a book looks like to a reader of its state: the status report (status).

May import `judge` and everything below it."""
