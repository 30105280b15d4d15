"""A setting's flag is declared once (kimi_writer/flags.py): name, type, help, variable and default follow."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from kimi_writer.cli import app
from kimi_writer.flags import WRITE_FLAGS
from kimi_writer.options import Command, load_settings, setting_flags


def test_write_has_one_flag_per_line_of_the_table_in_its_order():
    write = typer.main.get_command(app).commands["write"]  # built on first look-up (kimi_writer/cli.py)
    names = [param.name for param in write.params]
    assert names == ["prompt", "recover", *WRITE_FLAGS]
    by_name = {param.name: param for param in write.params}
    assert by_name["max_cost"].opts == ["--max-cost"] and by_name["plan_only"].is_flag
    assert "[env var: KIMI_WRITER_BASE_URL or MOONSHOT_BASE_URL]" in by_name["base_url"].help


def test_a_setting_added_to_a_table_is_a_flag_that_reaches_the_settings():
    seen: list[float] = []
    extra = typer.Typer()

    @setting_flags({"temperature": "Sampling temperature.", "show_reasoning": "Show it."})
    def sample(**flags: Any) -> None:
        seen.append(load_settings(**flags).temperature)

    extra.command(cls=Command)(sample)
    extra.command("other", cls=Command)(lambda: None)
    runner = CliRunner(env={"KIMI_WRITER_TEMPERATURE": "", "COLUMNS": "200"})
    assert runner.invoke(extra, ["sample", "--temperature", "0.5"]).exit_code == 0 and seen == [0.5]
    shown = runner.invoke(extra, ["sample", "--help"]).output
    assert "Sampling temperature. [env var: KIMI_WRITER_TEMPERATURE] [default: 1.0]" in shown
    refused = runner.invoke(extra, ["sample", "--temperature", "warm"])
    assert refused.exit_code == 2 and 'Error: --temperature must be a number (got "warm")' in refused.output
    assert runner.invoke(extra, ["sample", "--show-reasoning"]).exit_code == 0 and len(seen) == 2


def test_a_commands_own_option_out_of_range_is_one_sentence_like_a_settings(tmp_path):
    from tests.sample_book import run_offline

    cases = {("revise", "X", "--rounds", "0"): "Error: --rounds must be at least 1 (got 0)\n",
             ("revise", "X", "--below", "eleven"): 'Error: --below must be a number (got "eleven")\n',
             ("studio", "--port", "abc"): 'Error: --port must be a whole number (got "abc")\n',
             ("studio", "--port", "70000"): "Error: --port must be at most 65,535 (got 70000)\n"}
    for args, sentence in cases.items():
        result = run_offline(tmp_path, *args)
        assert (result.returncode, result.stderr) == (2, sentence), args
