"""The model itself, through llama-cpp-python: load a GGUF file, count tokens, generate text
(optionally constrained by a JSON schema). The only module that imports llama_cpp."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..core.errors import UserError

CONTEXT_TOKENS = 8192  # SmolLM2's window; larger models are held to it too, to stay quick
SAMPLING = dict(temperature=0.6, top_p=0.9, min_p=0.05, top_k=40, repeat_penalty=1.1)
SEED = 42


def _threads() -> int:
    """The cores free now (at most 8). llama.cpp's threads wait for each other at every step, so a
    thread on a busy core holds up the rest: on 2 busy cores, an 800-token prompt took 21 s with
    2 threads and 9 s with 1."""
    cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except (AttributeError, OSError):  # no load average on this system
        busy = 0
    return max(1, min(8, cores - busy))


class Cancelled(Exception):
    """The model was stopped (the process is ending) before its text was complete."""


def _strlen_callback():
    """libc's strlen as llama.cpp's abort callback (`bool (*)(void *)`), or None without libc."""
    from llama_cpp.llama_cpp import ggml_abort_callback

    try:
        libc = ctypes.CDLL(None) if os.name == "posix" else ctypes.cdll.msvcrt
        return ggml_abort_callback(ctypes.cast(libc.strlen, ctypes.c_void_p).value)
    except (OSError, AttributeError):
        return None


class StopFlag:
    """Set once to stop the model: checked between tokens, and by llama.cpp itself between the
    steps of a computation (a long prompt's decoding), through an abort callback that runs no
    Python: strlen over a one-byte string, empty (false) until set (true)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.byte = ctypes.create_string_buffer(2)
        self.callback = _strlen_callback()

    def attach(self, llama) -> None:
        if self.callback is not None:
            from llama_cpp.llama_cpp import llama_set_abort_callback

            llama_set_abort_callback(llama.ctx, self.callback, ctypes.cast(self.byte, ctypes.c_void_p))

    def set(self) -> None:
        self.byte[0] = b"x"
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()


@contextmanager
def _without_extra_buffers():
    """Load without llama.cpp's extra CPU buffer types (AMX tiles, repacked weights): some VMs
    report AMX and then fault on it, which kills the process; plain CPU kernels work everywhere."""
    import llama_cpp.llama_cpp as low_level

    default = low_level.llama_model_default_params

    def params():
        value = default()
        if hasattr(value, "use_extra_bufts"):
            value.use_extra_bufts = False
        return value

    low_level.llama_model_default_params = params
    try:
        yield
    finally:
        low_level.llama_model_default_params = default


class Engine:
    """One loaded model: `count(prompt)` and `generate(prompt, max_tokens, schema)`."""

    def __init__(self, path: Path):
        from llama_cpp import Llama

        threads = _threads()
        try:
            with _without_extra_buffers():
                self.llama = Llama(model_path=str(path), n_ctx=CONTEXT_TOKENS, n_threads=threads,
                                   n_threads_batch=threads, seed=SEED, verbose=False)
        except (ValueError, RuntimeError) as error:
            raise UserError(f"could not load the model {path}: {error}") from None
        self.stop = StopFlag()
        self.stop.attach(self.llama)
        self.name = path.stem
        self.context_tokens = self.llama.n_ctx()
        self.chat_template = self.llama.metadata.get("tokenizer.chat_template")
        self.bos = self._token_text(self.llama.token_bos())
        self.eos = self._token_text(self.llama.token_eos())

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self.llama.detokenize([token], special=True).decode("utf-8", errors="ignore")

    def count(self, prompt: str) -> int:
        return len(self.llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def generate(self, prompt: str, max_tokens: int, *, schema: dict | None = None, grammar: str | None = None,
                 stop: tuple[str, ...] = ()) -> Iterator[str]:
        """Text pieces, one per token, held to a JSON `schema` or a GBNF `grammar` if given;
        closing the iterator stops the model; after `cancel()` it raises Cancelled."""
        constraint = _from_schema(json.dumps(schema)) if schema is not None else \
            _from_gbnf(grammar) if grammar is not None else None
        self._check()
        stream = self.llama.create_completion(prompt, max_tokens=max_tokens, grammar=constraint, stop=list(stop),
                                              stream=True, **SAMPLING)
        try:
            for chunk in stream:
                self._check()
                yield chunk["choices"][0]["text"]
        except RuntimeError:  # llama_decode aborted by the stop flag
            self._check()
            raise
        finally:
            stream.close()

    def _check(self) -> None:
        if self.stop.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        """Stop the generation in progress, if any, and every later one."""
        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL)  # an aborted step logs an "error"
        self.stop.set()

    def close(self) -> None:
        """Free the model; only once no generation runs."""
        self.llama.close()


@lru_cache(maxsize=32)
def _from_schema(schema_json: str):
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema_json, verbose=False)


@lru_cache(maxsize=8)
def _from_gbnf(grammar: str):
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(grammar, verbose=False)
