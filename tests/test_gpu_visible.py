"""CUDA_VISIBLE_DEVICES as CUDA reads it (issue 11, class 7): one parser, one resolver."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.gpu.visible import DeviceId, parse_visible, resolve_visible
from tests.conftest import needs
from tests.nvml.scripted import ScriptedNvml, scripted_nvml

__all__ = ["scripted_nvml"]

pytest_plugins = ["pytester"]
needs_pynvml = needs("pynvml")

G0 = DeviceId(0, "GPU-11111111-2222-3333-4444-555555555555")
G1 = DeviceId(1, "GPU-11112222-3333-4444-5555-666677778888")
G2 = DeviceId(2, "GPU-9fb42d6f-7d6b-368f-f79c-3c3e784c93f6")
M0 = DeviceId(1, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 0, G1.uuid, 9, 0)
INVENTORY = [G0, G1, G2, M0]


def visible(raw: str | None) -> list[DeviceId]:
    return resolve_visible(parse_visible(raw), INVENTORY)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, [G0, G1, G2]),  # unset: every GPU
        ("", []),  # set but empty: none
        ("-1", []),
        ("garbage", []),
        ("0,garbage,1", [G0]),  # CUDA stops at the first invalid entry
        ("0,2,-1,1", [G0, G2]),  # the CUDA programming guide's example
        ("2,0", [G2, G0]),  # CUDA's order, not NVML's
        (" 1 , 0 ", [G1, G0]),
        ("0,7,1", [G0]),  # no device 7
        ("1,1", [G1]),  # a repeat is not counted twice
        ("1.5", []),
        ("\u0660", []),  # an Arabic-Indic zero is not an index to CUDA
        ("GPU-9fb42d6f", [G2]),  # a unique UUID prefix
        ("GPU-1111", []),  # ambiguous: G0 and G1 both start with it
        ("GPU-11112222-3333-4444-5555-666677778888,0", [G1, G0]),
        ("MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", [M0]),
        ("MIG-GPU-11112222-3333-4444-5555-666677778888/9/0", [M0]),  # the older MIG form
        ("MIG-GPU-11112222-3333-4444-5555-666677778888/8/0", []),
        ("MIG-unknown", []),
        ("GPU-", []),
    ],
)
def test_cuda_visible_devices_as_cuda_reads_it(raw: str | None, expected: list[DeviceId]) -> None:
    assert visible(raw) == expected


_token = st.one_of(
    st.integers(min_value=-3, max_value=5).map(str),
    st.sampled_from(["garbage", "", " ", "GPU-9fb4", "GPU-1111", "MIG-x", "1.5", M0.uuid]),
    st.text(max_size=6),
)


def _reference(tokens: list[str]) -> list[DeviceId]:
    """CUDA's rule, written independently: take entries until the first that names no
    single, not yet listed device."""
    out: list[DeviceId] = []
    gpus = [G0, G1, G2]
    for t in (t.strip() for t in tokens):
        hit: DeviceId | None = None
        if re.fullmatch(r"[0-9]+", t) and int(t) < len(gpus):
            hit = gpus[int(t)]
        elif t.startswith("GPU-") and len(t) > 4:
            hits = [g for g in gpus if g.uuid.startswith(t)]
            hit = hits[0] if len(hits) == 1 else None
        elif t == M0.uuid:
            hit = M0
        if hit is None or hit in out:
            break
        out.append(hit)
    return out


@given(st.lists(_token, min_size=1, max_size=6))
def test_parser_and_resolver_follow_cudas_rule(tokens: list[str]) -> None:
    raw = ",".join(tokens)
    if raw.strip() == "":
        assert visible(raw) == []
    elif "," not in "".join(tokens):
        assert visible(raw) == _reference(raw.split(","))


def _kinds(raw: str) -> list[str]:
    """The identifier kinds CUDA reads from ``raw``, up to the first it cannot read."""
    if raw.strip() == "":
        return []
    kinds: list[str] = []
    for t in (t.strip() for t in raw.split(",")):
        if re.fullmatch(r"[0-9]+", t):
            kinds.append("index")
        elif re.fullmatch(r"MIG-GPU-[0-9A-Za-z-]+/[0-9]+/[0-9]+", t):
            kinds.append("mig-gi")
        elif t.startswith("MIG-") and t != "MIG-" and "/" not in t:
            kinds.append("mig")
        elif t.startswith("GPU-") and t != "GPU-":
            kinds.append("uuid")
        else:
            break
    return kinds


@given(st.one_of(st.text(max_size=40), st.lists(_token, max_size=4).map(",".join)))
def test_any_text_parses_to_a_valid_prefix(raw: str) -> None:
    entries = parse_visible(raw)
    assert entries is not None
    assert [e.kind for e in entries] == _kinds(raw)
    devices = resolve_visible(entries, INVENTORY)
    assert len(devices) == len(set(devices)) <= len(entries)


# -- through the real stack ----------------------------------------------------------------


def _doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "doctor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


@needs_pynvml
@pytest.mark.parametrize("raw", ["-1", ""])
def test_doctor_expect_gpu_with_every_gpu_hidden(
    scripted_nvml: ScriptedNvml, tmp_path: Path, raw: str
) -> None:
    env = {**scripted_nvml.env("rtx4090-desktop", tmp_path), "CUDA_VISIBLE_DEVICES": raw}
    res = _doctor(env, "--json", "--expect-gpu")
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert data["gpu_ready"] is False
    assert data["nvml"]["devices"] == [] and data["nvml"]["device_count"] == 1
    assert f"NVML: CUDA_VISIBLE_DEVICES={raw!r} hides every GPU" in data["problems"]
    if raw == "-1":
        text = _doctor(env).stdout
        assert "  NVML        driver 560.35.03, CUDA driver 12.6" in text
        assert "  - NVML: CUDA_VISIBLE_DEVICES='-1' hides every GPU" in text
        assert "\nGPU ready" not in text


@needs_pynvml
def test_doctor_shows_the_mig_device_named_by_uuid(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    env = {**scripted_nvml.env("h100x2-mig", tmp_path), "CUDA_VISIBLE_DEVICES": M0.uuid}
    lines = [ln for ln in _doctor(env).stdout.splitlines() if ln.startswith("  GPU")]
    assert lines == [
        "  GPU 1 MIG 0 NVIDIA H100 80GB HBM3 MIG 1g.10gb (cc 9.0), 9.75 GiB total, 9.74 GiB "
        "free, 35 °C, 80 W of 700 W, clock events: none"
    ]


@needs_pynvml
@pytest.mark.parametrize(
    ("raw", "header", "reason"),
    [
        (
            "0,garbage,1",
            "llmcore gpu: driver 550.90.07; 0: NVIDIA H100 80GB HBM3 (80.00 GiB, 79.00 GiB free, "
            "cc 9.0)",
            "needs 2 GPUs, found 1 (NVIDIA H100 80GB HBM3)",
        ),
        (
            "-1",
            "llmcore gpu: none (CUDA_VISIBLE_DEVICES='-1' hides every GPU)",
            "needs 2 GPUs, found none (CUDA_VISIBLE_DEVICES='-1' hides every GPU)",
        ),
    ],
)
def test_markers_see_the_gpus_cuda_sees(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scripted_nvml: ScriptedNvml,
    raw: str,
    header: str,
    reason: str,
) -> None:
    scripted_nvml.apply(monkeypatch, "h100x2-mig", pytester.path)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", raw)
    pytester.makepyfile("import pytest\n@pytest.mark.gpu(count=2)\ndef test_pair(): pass\n")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rs")
    res.assert_outcomes(skipped=1)
    assert header in res.stdout.lines
    assert any(line.endswith(f": {reason}") for line in res.stdout.lines), res.stdout.str()
