"""pytest-llmcore's own hooks: implement them in a conftest.py or a plugin.

Loaded through ``pytest_addhooks`` and free of heavy imports. Each docstring says where
the hook runs: on the process that runs the tests (an xdist worker under ``-n``) or on
the controller, which holds the session-level results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .budgets.verdict import Verdict
    from .deps.records import GateResult


@pytest.hookspec(firstresult=True)
def pytest_llmcore_select_profile(
    config: pytest.Config, device: str, gpus: list[dict[str, Any]], profiles: list[str]
) -> str | None:
    """Return the active hardware profile's name, or None to let the built-in rules decide.

    Called on every process (controller and workers) when ``--llmcore`` starts, unless
    ``--llmcore-profile`` or ``profile`` in ``[tool.llmcore]`` names one. ``device`` is the
    first GPU's name (the CPU's without a GPU); ``profiles`` are the configured names plus
    ``cpu``. The name must be one of them::

        def pytest_llmcore_select_profile(device, profiles):
            if "A100" in device:
                return "datacenter"
    """


def pytest_llmcore_machine_info(config: pytest.Config, info: dict[str, Any]) -> None:
    """Add facts to the machine record (mutate ``info``): JSON report, HTML and baseline keys.

    Called once per process at start-up. Keys added under ``info["extra"]`` become part of
    every baseline key, so baselines from machines that differ in them are not compared::

        def pytest_llmcore_machine_info(info):
            info.setdefault("extra", {})["runner"] = os.environ.get("RUNNER_NAME", "local")
    """


def pytest_llmcore_add_metrics(config: pytest.Config) -> list[dict[str, Any]]:
    """Declare metrics so budgets accept them: a list of dicts with ``name``, ``kind``
    (time, bytes, rate, fraction, count), ``unit``, ``direction`` (lower/higher) and
    optionally ``label``, ``description``, ``default_stat``.

    Called when the budgets start (each run keeps its own metrics, on ``config.stash``),
    and also for the start-up check of ``[tool.llmcore]`` when they start later: return
    the same list each time::

        def pytest_llmcore_add_metrics():
            return [{"name": "queue_ms", "kind": "time", "unit": "ms", "direction": "lower",
                     "label": "queue wait"}]
    """
    return []


def pytest_llmcore_budget_verdict(config: pytest.Config, verdict: Verdict) -> None:
    """See each budget or regression verdict as it is made (e.g. push it to a dashboard).

    Called on the process that ran the test (an xdist worker under ``-n``), right after
    the test's call phase; ``verdict.to_json()`` gives a plain dict::

        def pytest_llmcore_budget_verdict(verdict):
            metrics_client.gauge(f"{verdict.metric}.{verdict.stat}", verdict.measured)
    """


def pytest_llmcore_deps_module_map(config: pytest.Config | None, root: str) -> dict[str, list[str]]:
    """Return distribution -> import names for the dependency gate (like ``[tool.llmcore.deps]
    map``), e.g. for an in-house package whose name differs from its module.

    Called when the gate runs on the project at ``root`` (the process running its item)::

        def pytest_llmcore_deps_module_map():
            return {"acme-sdk": ["acme"]}
    """
    return {}


def pytest_llmcore_deps_used_without_import(
    config: pytest.Config | None, root: str
) -> dict[str, str]:
    """Return distribution -> evidence for dependencies used without an import, e.g. a
    database driver named only in a framework's settings file::

        def pytest_llmcore_deps_used_without_import(root):
            if "postgresql" in Path(root, "settings.py").read_text():
                return {"psycopg": "DATABASES ENGINE in settings.py"}
    """
    return {}


def pytest_llmcore_deps_implicit_triggers(
    config: pytest.Config | None, root: str
) -> list[dict[str, Any]]:
    """Return implicit-use triggers for the dependency gate, added to the built-in table:
    dicts with ``dist``, ``pattern`` (a regex searched in the project's source text) and
    ``what``; ``parents`` (optional) makes ``dist`` a companion of those distributions::

        def pytest_llmcore_deps_implicit_triggers():
            return [{"dist": "acme-fast", "pattern": r"backend=[\"']acme", "what": "acme backend",
                     "parents": ["acme-sdk"]}]

    Called once per gate run, and only when some dependency has no other use.
    """
    return []


def pytest_llmcore_deps_findings(config: pytest.Config | None, result: GateResult) -> None:
    """See (and edit) the gate's findings before they fail the item: ``result.findings``.

    Called on the process running the gate's item, after the scan and before the verdict::

        def pytest_llmcore_deps_findings(result):
            result.findings[:] = [f for f in result.findings if f.dependency != "legacy-pkg"]
    """


@pytest.hookspec(firstresult=True)
def pytest_llmcore_endpoint_timings(config: pytest.Config, response: Any) -> dict[str, Any] | None:
    """Turn a custom inference server's response into standard metrics, or None to pass.

    Return a dict of metric name -> value or list of values (``ttft_ms``, ``tpot_ms``,
    ``itl_ms``, ``e2e_ms``, ``tokens_per_s``...). Used by ``llmcore_perf.record_response``
    on the process running the test::

        def pytest_llmcore_endpoint_timings(response):
            if isinstance(response, dict) and "timings" in response:
                t = response["timings"]
                return {"ttft_ms": t["first_token_ms"], "tokens_per_s": t["tps"]}
    """


def pytest_llmcore_session_results(config: pytest.Config, report: dict[str, Any]) -> None:
    """Receive the run's results once, on the controller, after every test has run.

    ``report`` is what ``--llmcore-json`` writes (machine, key, tests with samples and
    verdicts), as plain JSON values; the history store appends it from here::

        def pytest_llmcore_session_results(report):
            upload(report)
    """


@pytest.hookspec(firstresult=True)
def pytest_llmcore_baseline_source(
    config: pytest.Config, source: str, machine: str
) -> dict[str, Any] | None:
    """Load a baseline that is not a saved file, e.g. ``--llmcore-compare=history:main:last=10``.

    ``source`` is the option's value as given; ``machine`` is this run's machine key
    (``"PROFILE | DEVICE"``). Return None when the scheme is not yours. Otherwise return
    ``{"name": source, "key": {...}, "run": {...}, "tests": {nodeid: {metric: {"samples":
    [...], ...}}}}``, the shape of one machine's entry in a baseline file (``key`` as
    ``BaselineKey.to_json()`` of the newest pooled run, ``run`` its facts plus ``"runs"``,
    the number of runs pooled), with the samples of the pooled runs concatenated. Raise
    ``pytest_llmcore.core.errors.InputError`` with a one-line message for a source that is
    yours but can't be loaded (no store configured, no runs on that branch and machine).
    The history plugin implements the ``history:`` scheme.
    """


def pytest_llmcore_report_sections(
    config: pytest.Config, report: dict[str, Any], kind: str
) -> str | None:
    """Return a section to add to this run's human-readable reports, or None.

    ``report`` is the session report (as for ``pytest_llmcore_session_results``); ``kind``
    is ``"html"`` (a self-contained HTML fragment, appended to ``--llmcore-html``) or
    ``"markdown"`` (appended to the GitHub step summary). The history plugin adds trend
    charts and a last-N table from here::

        def pytest_llmcore_report_sections(report, kind):
            return "<h2>Trend</h2>..." if kind == "html" else None
    """


@pytest.hookspec(firstresult=True)
def pytest_llmcore_list_gpus(
    config: pytest.Config,
) -> tuple[list[tuple[int, str, int, str]], str | None] | None:
    """List the visible GPUs for the machine record: ``(index, name, total bytes, driver)``
    each, and why there is none when the list is empty.

    Implemented by pytest-llmcore's GPU layer (NVML); called once per process at start-up,
    before ``pytest_llmcore_machine_info``.
    """


@pytest.hookspec(firstresult=True)
def pytest_llmcore_memory_bandwidth(config: pytest.Config) -> tuple[float, str] | None:
    """This machine's achievable memory bandwidth for a decode roofline: ``(GB/s, what)``.

    Implemented by pytest-llmcore's GPU layer (a GPU copy when torch sees a GPU, else the
    host's memcpy); called at most once per machine (the result is kept in pytest's cache).
    """
