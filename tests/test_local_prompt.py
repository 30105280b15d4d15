"""The chat request rendered as the small model's own prompt (no model needed)."""

from __future__ import annotations

import json

from kimi_writer.local.prompt import chat_prompt, fit, merged, transcript

# SmolLM2-135M-Instruct's chat template, as its GGUF file carries it.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
NO_SYSTEM_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}[assistant] "
)


def conversation() -> list[dict]:
    chapter = "# Chapter 1: Snow\n\nThe fox was hungry."
    return [
        {"role": "system", "content": "You are kimi-writer."},
        {"role": "user", "content": "A short fable about a fox"},
        {"role": "assistant", "content": "", "reasoning_content": "Next: chapter 1.",
         "tool_calls": [{"id": "call_a", "type": "function", "function": {
             "name": "write_file", "arguments": json.dumps({"filename": "chapter_01.md", "content": chapter})}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": "Created chapter_01.md: it now holds 9 words."},
        {"role": "user", "content": "[Book context] 'Fox' as it stands on disk."},
    ]


def test_tool_calls_and_results_become_plain_turns_without_the_text():
    turns = transcript(conversation(), hint="Next step: chapter 2.")
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "user"]
    assert json.loads(turns[2]["content"]) == {"tool": "write_file", "arguments": {"filename": "chapter_01.md"}}
    assert "The fox was hungry" not in "".join(t["content"] for t in turns)
    assert turns[3]["content"] == ("Result of write_file: Created chapter_01.md: it now holds 9 words.\n\n"
                                   "[Book context] 'Fox' as it stands on disk.\n\nNext step: chapter 2.")


def test_the_models_own_template_renders_the_prompt():
    prompt = chat_prompt(transcript(conversation(), hint="Go on."), SMOLLM2_TEMPLATE)
    assert prompt.startswith("<|im_start|>system\nYou are kimi-writer.<|im_end|>\n<|im_start|>user\nA short fable")
    assert prompt.endswith("Go on.<|im_end|>\n<|im_start|>assistant\n")
    assert prompt.count("<|im_start|>") == 5


def test_chatml_when_the_model_has_no_template():
    assert chat_prompt([{"role": "user", "content": "Hi"}], None) == (
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_a_template_without_a_system_role_gets_it_in_the_first_user_turn():
    turns = [{"role": "system", "content": "Rules."}, {"role": "user", "content": "Hi"}]
    assert chat_prompt(turns, NO_SYSTEM_TEMPLATE) == "[user] Rules.\n\nHi\n[assistant] "


def test_merged_turns_alternate():
    turns = merged([{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                    {"role": "assistant", "content": "c"}])
    assert turns == [{"role": "user", "content": "a\n\nb"}, {"role": "assistant", "content": "c"}]


def test_fit_drops_old_turns_then_cuts_the_longest_from_its_start():
    turns = [{"role": "system", "content": "s"}, {"role": "user", "content": "ask"},
             {"role": "assistant", "content": "old" * 100}, {"role": "user", "content": "x" * 1000 + "END"}]
    size = lambda plain: sum(len(t["content"]) for t in plain)
    cut = fit(turns, size, 900)
    assert size(cut) <= 900 and cut[0]["content"] == "s" and cut[-1]["content"].endswith("END")
    assert all("old" not in t["content"] for t in cut)
    assert fit(turns, size, 10_000) == turns
