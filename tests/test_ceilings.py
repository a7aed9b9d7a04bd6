"""Hardware ceilings on this CPU machine, and the roofline in budget reports."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys

import pytest

from pytest_llmcore.gpu.ceilings import bandwidth_bound, measure_ceilings

pytest_plugins = ["pytester"]


def test_probes_run_on_the_cpu() -> None:
    # each probe runs exactly where its package is installed (the full test group has both);
    # on this GPU-less machine numba's runs in its simulator, unless numba was imported
    # earlier in this process without it
    torch = importlib.util.find_spec("torch") is not None
    numba = importlib.util.find_spec("numba") is not None and (
        "numba" not in sys.modules or os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    )
    found = {c.name: c for c in measure_ceilings("cpu", quick=True)}
    expected = (
        ["host_memcpy"] + ["torch_copy", "torch_matmul_fp32"] * torch + ["numba_copy"] * numba
    )
    assert list(found) == expected
    assert found["host_memcpy"].value > 0.1 and found["host_memcpy"].unit == "GB/s"
    assert all(c.repeats == 3 for c in found.values())
    if torch:
        assert found["torch_copy"].value > 0.1
        assert found["torch_matmul_fp32"].unit == "GFLOP/s" and found["torch_matmul_fp32"].value > 0
    if numba:
        sim = found["numba_copy"]
        assert sim.device == "simulator" and "not the hardware" in sim.note
    best = bandwidth_bound(list(found.values()))
    assert best is not None and best.device == "host"


def test_roofline_in_the_summary_and_json(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_decode(llmcore_perf):\n"
        "    llmcore_perf.record('tokens_per_s', [40.0, 41.0, 39.0])\n"
        "    llmcore_perf.roofline('250MB')\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "--llmcore-json=r.json")
    res.assert_outcomes(passed=1)
    m = re.search(
        r"llmcore roofline: test_roofline_in_the_summary_and_json.py::test_decode: "
        r"40.0 tok/s = (\d+)% of roofline \((\d+) GB/s .+ / 250.0 MB per token = (\d+) tok/s\)",
        res.stdout.str(),
    )
    assert m, res.stdout.str()
    roof = json.loads((pytester.path / "r.json").read_text())["tests"][
        "test_roofline_in_the_summary_and_json.py::test_decode"
    ]["roofline"]
    assert roof["percent"] == pytest.approx(100 * 40.0 / roof["bound_tokens_per_s"], abs=0.1)
    assert roof["bound_tokens_per_s"] == pytest.approx(
        roof["bandwidth_gbs"] * 1e9 / 250e6, rel=0.01
    )
    # the bandwidth is cached per machine: a second run does not measure again
    again = pytester.runpytest_subprocess("--llmcore")
    assert "of roofline" in again.stdout.str()
