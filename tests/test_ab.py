"""`llmcore ab`: interleaved A/B on a temporary git repository, and its statistics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_llmcore.budgets.ab_stats import compare_rounds, round_value

from .conftest import INNER_ADDOPTS

LLMCORE = [sys.executable, "-m", "pytest_llmcore.cli"]


@pytest.mark.parametrize(
    ("head_scale", "lower_is_better", "outcome"),
    [
        (1.25, True, "regression"),
        (0.80, True, "improvement"),
        (1.25, False, "improvement"),  # tokens/s up 25%
        (0.80, False, "regression"),
        (1.01, True, "no change"),  # significant but under the 3% threshold
    ],
)
def test_outcome_by_direction_and_threshold(
    head_scale: float, lower_is_better: bool, outcome: str
) -> None:
    jitter = (0.99, 1.0, 1.01, 1.0, 0.995, 1.005)
    base = [[10.0 * j, 10.0 * j] for j in jitter]
    head = [[10.0 * j * head_scale, 10.0 * j * head_scale] for j in jitter]
    c = compare_rounds(base, head, threshold=0.03, lower_is_better=lower_is_better)
    assert c.outcome == outcome
    assert c.ratio == pytest.approx(head_scale)
    assert c.low <= c.ratio <= c.high


def test_noisy_rounds_are_inconclusive_not_a_regression() -> None:
    base = [[10.0], [10.0], [10.0], [10.0]]
    head = [[9.0], [12.0], [9.5], [12.5]]  # +8% on average, but all over the place
    c = compare_rounds(base, head, threshold=0.03)
    assert c.outcome == "inconclusive"
    assert c.low < 1.0 < c.high


def test_t_interval_matches_the_textbook() -> None:
    # logs of head/base: ln(1.1), ln(1.2), ln(1.3): mean and t(2) = 4.303 interval
    import math
    import statistics

    c = compare_rounds([[1.0]] * 3, [[1.1], [1.2], [1.3]], threshold=0.03)
    logs = [math.log(x) for x in (1.1, 1.2, 1.3)]
    half = 4.303 * statistics.stdev(logs) / math.sqrt(3)
    assert c.low == pytest.approx(math.exp(statistics.mean(logs) - half))
    assert c.high == pytest.approx(math.exp(statistics.mean(logs) + half))


@pytest.mark.parametrize(
    ("stat", "lower_is_better", "value"),
    [("best", True, 1.0), ("best", False, 9.0), ("median", True, 2.0), ("median", False, 2.0)],
)
def test_round_value(stat: str, lower_is_better: bool, value: float) -> None:
    assert round_value([2.0, 9.0, 1.0], stat, lower_is_better) == value


def test_round_value_unknown_statistic() -> None:
    with pytest.raises(ValueError) as exc:
        round_value([1.0], "mean", True)
    assert str(exc.value) == "unknown A/B statistic 'mean'; use one of best, median"


def test_best_sees_through_interference_the_median_does_not() -> None:
    # each process: its code costs 10 (base) or 10.5 (head, +5%); load adds 0-60% to most
    # samples, differently in every process: the medians are all over the place, the
    # fastest samples are not
    loads = [(0.0, 0.5, 0.6, 0.4), (0.0, 0.1, 0.1, 0.2), (0.0, 0.3, 0.5, 0.6)] * 2
    base = [[10.0 * (1 + x) for x in load] for load in loads]
    head = [[10.5 * (1 + x) for x in load[::-1]] for load in loads[1:] + loads[:1]]
    best = compare_rounds(base, head, threshold=0.03, stat="best")
    assert (best.outcome, best.ratio) == ("regression", pytest.approx(1.05))
    assert best.pairs == ((10.0, 10.5),) * 6
    median = compare_rounds(base, head, threshold=0.03, stat="median")
    assert median.outcome == "inconclusive"


def test_one_round_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 complete rounds, got 1"):
        compare_rounds([[1.0]], [[1.0]], threshold=0.03)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "proj"
    (repo / "tests").mkdir(parents=True)
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "config", "user.email", "a@b"], check=True)
    subprocess.run([*git, "config", "user.name", "ab"], check=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "ab"\nversion = "0"\n')
    # CPU work, not a sleep: on a loaded machine a 4 ms sleep can oversleep to 8 ms, while
    # interleaved rounds slow both sides' loops alike
    (repo / "app.py").write_text(
        "N = 20000\n\n\ndef work():\n    t = 0\n    for i in range(N):\n        t += i % 7\n"
        "    return t\n"
    )
    (repo / "tests" / "test_ab.py").write_text(
        "import pytest\nimport app\n\n"
        '@pytest.mark.budget(latency_ms="1s")\n'
        "def test_work(llmcore_perf):\n"
        '    llmcore_perf.measure("latency_ms", app.work, warmup=1, repeats=8)\n\n'
        "def test_unbudgeted():\n    pass\n"
    )
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    return repo


def _ab(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # its pytest runs inherit the environment: without the plugins our pytester runs leave out
    env = {**os.environ, "PYTEST_ADDOPTS": INNER_ADDOPTS}
    return subprocess.run(
        [*LLMCORE, "ab", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_ab_flags_an_injected_slowdown_and_not_an_unchanged_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    app = repo / "app.py"
    # 3x the work, uncommitted: large enough that a loaded 2-core machine can't hide it
    app.write_text(app.read_text().replace("N = 20000", "N = 60000"))
    # a 20% threshold: each round is a fresh process, and process-to-process speed of a
    # tight Python loop varies by several percent (address layout, hash seeds)
    kept = tmp_path / "kept"
    slow = _ab(
        repo,
        "HEAD",
        "--rounds",
        "4",
        "--max-rounds",
        "4",
        "--threshold",
        "20%",
        "--keep-reports",
        str(kept),
    )
    assert slow.returncode == 1, slow.stdout + slow.stderr
    names = sorted(p.name for p in kept.iterdir())
    assert names == sorted(f"{side}-{i}.json" for side in ("base", "head") for i in range(4))
    (line,) = [x for x in slow.stdout.splitlines() if x.startswith("tests/test_ab.py::test_work")]
    assert "latency_ms" in line and line.endswith("4 rounds): regression"), slow.stdout
    assert slow.stdout.splitlines()[-1] == "llmcore ab: 1 regression"
    app.write_text(app.read_text().replace("N = 60000", "N = 20000"))
    same = _ab(
        repo,
        "HEAD",
        "--rounds",
        "4",
        "--max-rounds",
        "4",
        "--threshold",
        "20%",
        "--json",
        "--stat",
        "median",
    )
    assert same.returncode == 0, same.stdout + same.stderr
    (row,) = json.loads(same.stdout)
    assert row["outcome"] != "regression"
    assert (row["stat"], row["rounds"], len(row["round_values"])) == ("median", 4, 4)
    # the temporary worktree is gone
    listed = subprocess.run(
        ["git", "-C", str(repo), "worktree", "list"], capture_output=True, text=True, check=True
    )
    assert len(listed.stdout.splitlines()) == 1


def test_ab_unknown_ref_is_one_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = _ab(repo, "no-such-ref")
    assert out.returncode == 2
    assert out.stderr.startswith("llmcore ab: git rev-parse --verify no-such-ref^{commit}: ")
    assert out.stderr.count("\n") == 1


def test_ab_rounds_must_be_two_or_more(tmp_path: Path) -> None:
    out = _ab(tmp_path, "HEAD", "--rounds", "1")
    assert out.returncode == 2
    assert out.stderr == (
        "llmcore ab: error: argument --rounds: '1': need a whole number of rounds >= 2 "
        "(see llmcore ab --help)\n"
    )


def test_ab_unknown_statistic_is_one_line(tmp_path: Path) -> None:
    out = _ab(tmp_path, "HEAD", "--stat", "mean")
    assert out.returncode == 2
    # argparse quotes the choices up to Python 3.12.7, not after
    choices = out.stderr.removeprefix(
        "llmcore ab: error: argument --stat: invalid choice: 'mean' (choose from "
    ).removesuffix(") (see llmcore ab --help)\n")
    assert choices.replace("'", "") == "best, median", out.stderr


def test_t_table_is_students_t() -> None:
    stats = pytest.importorskip("scipy.stats")
    from pytest_llmcore.budgets.ab_stats import T975

    assert [round(float(stats.t.ppf(0.975, df)), 3) for df in range(1, 31)] == list(T975)


def _fake_rounds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ratios: list[float], rounds: int, most: int
) -> list[str]:
    """Run ``ab._rounds`` with a fake pytest: round i's candidate is ``ratios[i]`` x the base."""
    import argparse

    from pytest_llmcore.budgets import ab

    calls: list[str] = []

    def fake_side(tree: Path, args: object, out: Path) -> dict[tuple[str, str], list[float]]:
        calls.append(out.name)
        side, i = out.stem.split("-")
        value = 10.0 * (ratios[int(i)] if side == "head" else 1.0)
        return {("t.py::test", "latency_ms"): [value]}

    monkeypatch.setattr(ab, "_run_side", fake_side)
    args = argparse.Namespace(
        pytest_args=[],
        rounds=rounds,
        max_rounds=most,
        keep_reports=None,
        threshold=0.03,
        stat="best",
    )
    ab._rounds(tmp_path, tmp_path, args)
    return calls


def test_decided_after_the_minimum_rounds_stops_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _fake_rounds(monkeypatch, tmp_path, [1.10, 1.11, 1.10, 1.11] + [9.0] * 10, 4, 20)
    assert calls == ["base-0.json", "head-0.json", "head-1.json", "base-1.json",
                     "base-2.json", "head-2.json", "head-3.json", "base-3.json"]  # fmt: skip


def test_inconclusive_takes_more_rounds_until_decided(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # +/-8% around +5%: inconclusive after 4 rounds; steady +5% rounds then settle it
    ratios = [1.13, 0.97, 1.13, 0.97] + [1.05] * 20
    calls = _fake_rounds(monkeypatch, tmp_path, ratios, 4, 20)
    assert len(calls) == 2 * 9
    from pytest_llmcore.budgets.ab_stats import compare_rounds

    def outcome(n: int) -> str:
        return compare_rounds([[10.0]] * n, [[10.0 * r] for r in ratios[:n]], 0.03).outcome

    assert [outcome(n) for n in range(4, 10)] == ["inconclusive"] * 5 + ["regression"]


def test_inconclusive_stops_at_max_rounds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = _fake_rounds(monkeypatch, tmp_path, [1.2, 0.85] * 20, 4, 7)
    assert len(calls) == 2 * 7
    # --max-rounds below --rounds: --rounds wins
    assert len(_fake_rounds(monkeypatch, tmp_path, [1.2, 0.85] * 20, 4, 2)) == 2 * 4
