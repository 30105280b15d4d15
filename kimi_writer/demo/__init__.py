"""The keyless demo model (`kimi-writer demo`): scripted books served on 127.0.0.1 by the request's shape.

books.py and gothic.py hold the books; answer.py decides a request's reply from its shape alone
(planner, critic, reviser, writer, summarizer); serve.py streams it through the local folder's
OpenAI-compatible server. It may import local/ (the server, the plan read from a request) and the
folders below it, never the commands.
"""
