"""Each pytest_llmcore_* hook changes behaviour from a conftest.py (pytester runs)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

SLOW = """
import time, pytest

@pytest.mark.budget(latency_ms=5)
def test_slow(llmcore_perf):
    llmcore_perf.measure("latency_ms", lambda: time.sleep(0.01), warmup=0, repeats=3)
"""


def run(p: pytest.Pytester, *args: str) -> pytest.RunResult:
    # in-process (the plugin's process-wide state is owned by each run), except under xdist
    runner = p.runpytest_subprocess if "-n" in args else p.runpytest_inprocess
    return runner("--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps", *args)


def test_hook_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest_llmcore.hookspecs\n"
        "print([m for m in ('torch','numba','llama_cpp','pynvml','tomlkit') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_select_profile(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject="[tool.pytest.ini_options]\n"
        "[tool.llmcore.profiles.lab]\n"
        '[tool.llmcore.budgets."test_select_profile.py::test_slow".lab]\n'
        "latency_ms = 1000\n",
    )
    pytester.makeconftest(
        "def pytest_llmcore_select_profile(device, profiles):\n"
        "    assert 'lab' in profiles and device\n"
        "    return 'lab'\n"
    )
    pytester.makepyfile(SLOW)
    res = run(pytester)
    res.assert_outcomes(passed=1)  # the lab profile's 1000 ms budget replaced the marker's 5 ms
    assert "llmcore budgets: profile lab" in res.stdout.str()


def test_machine_info_extends_reports_and_baseline_keys(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(
        "import os\n"
        "def pytest_llmcore_machine_info(info):\n"
        "    info.setdefault('extra', {})['runner'] = os.environ.get('RUNNER', 'a')\n"
    )
    pytester.makepyfile(SLOW.replace("latency_ms=5", "latency_ms=1000"))
    run(pytester, "--llmcore-json=r.json", "--llmcore-save-baseline=b").assert_outcomes(passed=1)
    data = json.loads((pytester.path / "r.json").read_text())
    assert data["machine"]["extra"] == {"runner": "a"} and data["key"]["extra"] == {"runner": "a"}
    monkeypatch.setenv("RUNNER", "b")
    res = run(pytester, "--llmcore-compare=b", "--llmcore-fail-regression=1%")
    assert (
        "not compared: it was recorded on other hardware or software (runner a in the "
        "baseline, b now)" in res.stdout.str()
    )


def test_add_metrics(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "def pytest_llmcore_add_metrics():\n"
        "    return [{'name': 'queue_ms', 'kind': 'time', 'direction': 'lower',"
        " 'label': 'queue wait'}]\n"
    )
    pytester.makepyfile(
        "import pytest\n@pytest.mark.budget(queue_ms='2ms')\n"
        "def test_q(llmcore_perf):\n    llmcore_perf.record('queue_ms', [3.0, 3.5, 4.0])\n"
    )
    res = run(pytester)
    res.assert_outcomes(failed=1)
    assert "queue wait p50 3.5 ms > budget 2 ms" in res.stdout.str()


def test_budget_verdict_observer(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import json\n"
        "def pytest_llmcore_budget_verdict(verdict):\n"
        "    with open('verdicts.jsonl', 'a') as fh:\n"
        "        fh.write(json.dumps(verdict.to_json()) + '\\n')\n"
    )
    pytester.makepyfile(SLOW)
    run(pytester, "-n", "2").assert_outcomes(failed=1)  # called on the worker that judged it
    (line,) = (pytester.path / "verdicts.jsonl").read_text().splitlines()
    v = json.loads(line)
    assert v["metric"] == "latency_ms" and v["passed"] is False and v["limit"] == 5.0


DEPS_PROJECT = """
[tool.pytest.ini_options]
[project]
name = "svc"
version = "1"
dependencies = ["acme-sdk", "psycopg", "legacy-pkg"]
"""


def test_deps_hooks_map_evidence_and_findings(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=DEPS_PROJECT)
    pytester.makepyfile(svc="import acme\nacme.run()\n")
    plain = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    plain.assert_outcomes(failed=1)
    # acme-sdk: guessed module acme_sdk, and `import acme` plausibly its: unmapped (LLMD005)
    for dep in ("acme-sdk: unmapped", "psycopg: unused", "legacy-pkg: unused"):
        assert dep in plain.stdout.str()
    pytester.makeconftest(
        "def pytest_llmcore_deps_module_map(root):\n"
        "    return {'acme-sdk': ['acme']}\n"
        "def pytest_llmcore_deps_used_without_import(root):\n"
        "    return {'psycopg': 'DATABASES ENGINE in settings.py'}\n"
        "def pytest_llmcore_deps_findings(result):\n"
        "    result.findings[:] = [f for f in result.findings if f.dependency != 'legacy-pkg']\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rA")
    res.assert_outcomes(passed=1)
    assert (
        "used    psycopg: DATABASES ENGINE in settings.py "
        "(a pytest_llmcore_deps_used_without_import hook)" in res.stdout.str()
    )


def test_endpoint_timings(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "def pytest_llmcore_endpoint_timings(response):\n"
        "    if isinstance(response, dict) and 'timings' in response:\n"
        "        t = response['timings']\n"
        "        return {'ttft_ms': t['first_token_ms'], 'tokens_per_s': t['tps']}\n"
    )
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.budget(ttft_ms=100, tokens_per_s=50)\n"
        "def test_server(llmcore_perf):\n"
        "    for ttft, tps in [(40, 61.0), (45, 60.0), (42, 59.0)]:\n"
        "        llmcore_perf.record_response({'timings': {'first_token_ms': ttft, 'tps': tps}})\n"
        "def test_unknown(llmcore_perf):\n"
        "    with pytest.raises(ValueError, match='no pytest_llmcore_endpoint_timings hook'):\n"
        "        llmcore_perf.record_response('plain text')\n"
    )
    res = run(pytester, "-rA")
    res.assert_outcomes(passed=2)
    out = res.stdout.str()
    assert re.search(r"test_server\s+ttft_ms\s+p50\s+42 ms\s+-\s+100 ms", out)
    assert re.search(r"test_server\s+tokens_per_s\s+p50\s+60.0 tokens/s\s+-\s+50.0 tokens/s", out)
