"""`kimi-writer doctor`: one line per check, the fix of each failure, exit 1 when the configured run cannot work."""

from __future__ import annotations

import json
import socket
import subprocess

from tests.conftest import CLI, TEST_KEY, clean_env


def doctor(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "doctor", *args], cwd=tmp_path, env=clean_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def checks(result: subprocess.CompletedProcess) -> dict[str, dict]:
    return {check["name"]: check for check in json.loads(result.stdout)["checks"]}


def test_everything_in_order_against_a_server(tmp_path, server):
    result = doctor(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok    Python 3.")
    assert lines[1] == "ok    API key set: KIMI_WRITER_API_KEY"
    assert lines[2] == f"ok    base URL {server.base_url} is well-formed and answers"
    assert lines[3] == "ok    model kimi-k2.6 is listed by the server"
    assert lines[4] == f"ok    projects folder {tmp_path / 'projects'} is writable"
    assert lines[-1] == "All checks passed."
    assert TEST_KEY not in result.stdout + result.stderr
    assert server.requests == []  # only GET /v1/models: no completion is paid for


def test_json_has_the_same_checks(tmp_path, server):
    result = doctor(tmp_path, "--json", KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url,
                    MOONSHOT_API_KEY="sk-another-0123456789")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    names = [check["name"] for check in data["checks"]]
    assert names[:5] == ["python", "api_key", "server", "model", "projects_dir"] and "docx" in names
    assert all(set(check) == {"name", "status", "message", "fix"} for check in data["checks"])
    assert checks(result)["api_key"]["message"] == "API key set: KIMI_WRITER_API_KEY, MOONSHOT_API_KEY"
    assert TEST_KEY not in result.stdout and "sk-another" not in result.stdout


def test_a_base_url_without_v1_fails_with_its_fix(tmp_path, server):
    root = server.base_url.removesuffix("/v1")
    result = doctor(tmp_path, "--json", KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=root)
    assert result.returncode == 1, result.stdout + result.stderr
    found = checks(result)["server"]
    assert found["status"] == "fail" and found["fix"] == f"the base URL may need /v1 at its end (such as {root}/v1)"


def test_an_unknown_model_names_those_offered(tmp_path, server):
    result = doctor(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url,
                    KIMI_WRITER_MODEL="kimi-k9")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  model kimi-k9 is not listed by the server\n      fix: set --model or KIMI_WRITER_MODEL to one it " \
           "offers: kimi-k2.6\n" in result.stdout
    assert result.stdout.splitlines()[-1] == "Something a run needs has failed: see the fix above."


def test_a_refused_connection_and_a_malformed_url(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = doctor(tmp_path, "--json", KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=f"http://127.0.0.1:{port}/v1")
    assert refused.returncode == 1
    assert checks(refused)["server"]["message"] == f"could not connect to http://127.0.0.1:{port}/v1 (the connection was refused)"
    malformed = doctor(tmp_path, "--json", KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL="htp://host/v1")
    assert malformed.returncode == 1
    assert checks(malformed)["settings"]["message"].startswith("KIMI_WRITER_BASE_URL must be a whole URL")


def test_no_key_for_a_remote_run_and_a_projects_folder_that_is_a_file(tmp_path):
    (tmp_path / "shelf").write_text("not a folder")
    result = doctor(tmp_path, "--json", KIMI_WRITER_PROVIDER="remote", KIMI_WRITER_PROJECTS_DIR="shelf")
    assert result.returncode == 1
    found = checks(result)
    assert found["api_key"]["status"] == "fail" and found["api_key"]["message"] == "no API key is set"
    assert found["projects_dir"]["status"] == "fail" and "is not a folder" in found["projects_dir"]["message"]
    assert found["server"]["status"] == "note"  # not asked without a key (and never the internet in a test)
    assert found["local_model"]["status"] in ("ok", "note")  # not needed by a remote run: never a failure
    assert found["docx"]["status"] in ("ok", "note")
