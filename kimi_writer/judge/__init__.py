"""The critic and what it drives: reviews (critic, reviews), keep-if-better revision (revise)
and the review inside the loop (loop_review).

May import `loop` and everything below it; never `local`, `report`, `commands` or the entry points."""
