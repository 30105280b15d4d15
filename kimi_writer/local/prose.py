"""The long text of a write (the outline, a chapter), written by the model as plain text.

A 135M model writes far better prose in a plain chat turn than inside a JSON string, so the
call is chosen under the JSON grammar and its `content` is written afterwards, from a short
prompt of its own (the author's request, the outline, the end of the previous chapter), and
sent as the argument's JSON-escaped text. Grammars keep the form: the outline is a title and
one numbered line per planned chapter; a chapter is paragraphs of prose (a small model
otherwise drifts into numbered lists).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.prompts import render
from .plan import BookState, Step

STOP = ("\n# Chapter", "\n## Chapter")  # a chapter ends where the model starts the next one
TAIL_WORDS = 120  # of the previous chapter, to continue from
CHAPTER_GRAMMAR = 'root ::= para ("\\n\\n" para)*\npara ::= [A-Z"“\'] [^\\n*#]+\n'


@dataclass(frozen=True)
class ProseRequest:
    turns: list[dict]  # the chat to render as the prompt
    prefill: str  # the text's opening, written by the server after the prompt
    grammar: str  # GBNF for the rest


def outline_grammar(chapters: int) -> str:
    """A title line (after the prefilled "# "), then `chapters` lines `N. **Name** — what happens`."""
    entries = " ".join(f'"\\n{n}. **" name "** — " line' for n in range(1, chapters + 1))
    return (f'root ::= title "\\n" {entries}\n'
            'title ::= [A-Z] [^\\n*#:]{2,60}\n'
            'name ::= [A-Z] [^\\n*#]{1,40}\n'
            'line ::= [A-Za-z] [^\\n#]{10,160}\n')


def prose_request(state: BookState, step: Step) -> ProseRequest:
    """What to ask for the text of the current step's file."""
    user = render("local_prose.md.j2", step=step, request=state.request.rstrip(" .!?"),
                  tail=" ".join(state.tail.split()[-TAIL_WORDS:]))
    turns = [{"role": "system", "content": render("local_prose_system.md.j2")}, {"role": "user", "content": user}]
    if step.kind == "outline":
        return ProseRequest(turns, "# ", outline_grammar(step.chapters))
    title = f": {step.entry.title}" if step.entry and step.entry.title else ""
    return ProseRequest(turns, f"# Chapter {step.chapter}{title}\n\n", CHAPTER_GRAMMAR)
