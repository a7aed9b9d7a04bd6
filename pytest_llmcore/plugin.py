"""pytest entry point (``pytest11``): options only, until ``--llmcore`` turns features on.

Kept thin on purpose: no heavy module (torch, numba, llama_cpp, pynvml) and no feature
module is imported unless the plugin is enabled or a test asks for one of its fixtures.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from .options import add_budget_options, add_deps_options, add_gpu_options, add_history_options

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .budgets.recorder import PerfRecorder
    from .gpu.backend import Snapshot
    from .gpu.sampler import ThermalWatch, VramSampler


def _add_hookspecs(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    caller = getattr(pluginmanager.hook, "pytest_llmcore_select_profile", None)
    if caller is None or caller.spec is None:  # idempotent: both hooks below may call it
        pluginmanager.add_hookspecs(hookspecs)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    _add_hookspecs(pluginmanager)


def pytest_plugin_registered(plugin: object, manager: pytest.PytestPluginManager) -> None:
    # also when this module is registered without a command line being parsed (tools that
    # build a Config by hand): pytest_addhooks only runs while arguments are parsed
    if plugin is sys.modules[__name__]:
        _add_hookspecs(manager)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmcore", "pytest-llmcore: dependency gate, GPU, budgets")
    group.addoption(
        "--llmcore",
        action="store_true",
        default=None,
        help="enable pytest-llmcore's checks (default: the llmcore_enable ini setting)",
    )
    add_deps_options(group.addoption, "--llmcore-deps-")
    add_budget_options(group.addoption)
    add_gpu_options(group.addoption)
    add_history_options(group.addoption)
    parser.addini(
        "llmcore_enable", type="bool", default=False, help="enable pytest-llmcore without --llmcore"
    )


def _enabled(config: pytest.Config) -> bool:
    opt = config.getoption("llmcore")
    if opt is not None:
        return bool(opt)
    return bool(config.getini("llmcore_enable"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "llmcore_deps: the dependency gate's check of a project (pytest-llmcore)"
    )
    config.addinivalue_line(
        "markers",
        "budget(profile=None, tolerance=None, **metrics): performance budgets checked by "
        "pytest --llmcore, e.g. budget(tpot_ms=30, vram_peak='12GiB', "
        "ttft_ms={'p99': '500ms'})",
    )
    config.addinivalue_line(
        "markers",
        "llmcore_gpu(count=1, min_free_vram=None, min_total_vram=None, compute_capability=None, "
        "name=None): needs a GPU; unmet needs skip with the exact reason (fail with "
        "--llmcore-require-gpu), e.g. llmcore_gpu(min_free_vram='12GiB', compute_capability="
        "'>=8.9'); @pytest.mark.gpu in this keyword form is read the same way",
    )
    config.addinivalue_line("markers", "gpu: needs a GPU (see llmcore_gpu)")
    if not _enabled(config):
        from .gpu.strict import require_gpu_requested

        # --llmcore-require-gpu alone turns on the GPU layer: a GPU-marked test must not
        # run and pass on a machine without a GPU because --llmcore was forgotten
        if require_gpu_requested(config):
            from .gpu.plugin import PLUGIN_NAME as GPU_PLUGIN
            from .gpu.plugin import GpuPlugin

            config.pluginmanager.register(GpuPlugin(config), GPU_PLUGIN)
        return
    _check_tool_table(config)
    from .deps.pytest_items import DepsPlugin
    from .gpu.plugin import PLUGIN_NAME as GPU_PLUGIN
    from .gpu.plugin import GpuPlugin
    from .ondemand import BudgetsOnDemand, budgets_needed_at_start, register_budgets

    # the GPU plugin first: on an xdist worker it sets CUDA_VISIBLE_DEVICES before any test
    # module can initialise CUDA
    config.pluginmanager.register(GpuPlugin(config), GPU_PLUGIN)
    config.pluginmanager.register(DepsPlugin(config), "llmcore-deps")
    # before the budgets: they ask the history for a history: baseline as they start
    _register_history(config)
    if budgets_needed_at_start(config):
        register_budgets(config)
    else:  # registered once a collected test turns out to need it
        config.pluginmanager.register(BudgetsOnDemand(), BudgetsOnDemand.name)


def _check_tool_table(config: pytest.Config) -> None:
    """Unknown keys of ``[tool.llmcore]`` (the declared tables of every capability)."""
    from .ondemand import tool_table

    table = tool_table(config)
    if not table:  # nothing to check: the declared tables are not even imported
        return
    from .config_tables import check_tool_table
    from .core.errors import InputError

    try:
        check_tool_table(table, config.rootpath / "pyproject.toml")
    except InputError as exc:
        raise pytest.UsageError(f"llmcore: {exc}") from None


def _register_history(config: pytest.Config) -> None:
    from .ondemand import history_wanted

    compare = config.getoption("llmcore_compare", None)
    from_history = isinstance(compare, str) and compare.startswith("history:")
    if not (from_history or history_wanted(config)):  # history modules not even imported
        return
    from .history.plugin import (
        PLUGIN_NAME,
        SOURCES_NAME,
        HistoryPlugin,
        HistorySources,
        history_target,
    )

    # on workers too: a history: baseline is loaded where the budgets are judged
    config.pluginmanager.register(HistorySources(config), SOURCES_NAME)
    if hasattr(config, "workerinput"):  # the controller holds the session's results
        return

    target = history_target(config)
    if target is not None:
        config.pluginmanager.register(HistoryPlugin(config, target), PLUGIN_NAME)


@pytest.fixture
def llmcore_perf(request: pytest.FixtureRequest) -> PerfRecorder:
    """Time work and record metrics for this test's budgets.

    ``llmcore_perf.measure("latency_ms", fn, warmup=3, repeats=20)`` returns statistics;
    ``with llmcore_perf.timer("ttft_ms"): ...`` times a block; ``llmcore_perf.record(
    "kv_bytes", "38.25MiB")`` records a value measured elsewhere. With ``pytest --llmcore``
    the test's ``@pytest.mark.budget`` and ``[tool.llmcore.budgets]`` are checked after it.
    """
    from .budgets.plugin import recorder_for
    from .ondemand import BudgetsOnDemand, register_budgets

    if request.config.pluginmanager.has_plugin(BudgetsOnDemand.name):
        register_budgets(request.config)  # asked for with request.getfixturevalue
    return recorder_for(request)


@pytest.fixture
def llmcore_gpu(request: pytest.FixtureRequest) -> Snapshot:
    """The GPU this test (or this xdist worker) uses: a snapshot of its NVML facts.

    Skips with the reason when there is none (fails with --llmcore-require-gpu).
    """
    from .gpu.plugin import gpu_plugin

    return gpu_plugin(request.config).the_gpu()


@pytest.fixture
def llmcore_gpu_devices(request: pytest.FixtureRequest) -> list[Snapshot]:
    """Every GPU visible to this process (CUDA_VISIBLE_DEVICES applied); may be empty."""
    from .gpu.plugin import gpu_plugin

    return gpu_plugin(request.config).devices()


@pytest.fixture
def gpu(llmcore_gpu: Snapshot) -> Snapshot:
    """Alias of ``llmcore_gpu`` (a project's own ``gpu`` fixture takes precedence)."""
    return llmcore_gpu


@pytest.fixture
def gpu_devices(llmcore_gpu_devices: list[Snapshot]) -> list[Snapshot]:
    """Alias of ``llmcore_gpu_devices``."""
    return llmcore_gpu_devices


@pytest.fixture
def vram_monitor(request: pytest.FixtureRequest) -> Iterator[VramSampler]:
    """Samples the GPU's used memory at 200 Hz over the test: device and process peak,
    a timeline, and torch's max_memory_allocated/reserved when the test uses torch.cuda.
    The peak is recorded as ``vram_peak`` for the test's budgets."""
    from .gpu.plugin import gpu_plugin

    yield from gpu_plugin(request.config).vram_monitor(request)


@pytest.fixture
def gpu_thermals(request: pytest.FixtureRequest) -> Iterator[ThermalWatch]:
    """Temperature, SM clock and throttle reasons over the test; a throttled test's timings
    are flagged (a warning, or a failure with [tool.llmcore.gpu] throttle = "fail")."""
    from .gpu.plugin import gpu_plugin

    yield from gpu_plugin(request.config).gpu_thermals(request)


@pytest.fixture
def cuda_tuned(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """torch settings for inference: TF32 matmul and flash SDP on, restored after the test;
    PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True is set at start-up by --llmcore."""
    from .gpu.tuning import cuda_tuned as tuned

    yield from tuned(request)


@pytest.fixture
def numba_cuda(request: pytest.FixtureRequest) -> Any:
    """``numba.cuda``; on a machine without a GPU, numba's simulator (NUMBA_ENABLE_CUDASIM=1,
    set by --llmcore at start-up before numba is imported)."""
    from .gpu.tuning import numba_cuda_module

    return numba_cuda_module(request)


@pytest.fixture(scope="session")
def llama_model(request: pytest.FixtureRequest) -> Any:
    """Factory: ``llama_model(path=None, n_gpu_layers=-1, n_ctx=4096, type_k="f16",
    type_v="f16", flash_attn=None, n_threads=None)`` loads a GGUF model with llama-cpp-python
    once per session and returns it with llama.cpp's log (``.kv_measured``, ``.kv_lines``).

    The model: ``path``, else --llmcore-model, else ``model`` in [tool.llmcore], else the
    bundled Gemma 3 270M. A CPU-only build asked for GPU layers is a warning (a failure
    with --llmcore-require-gpu); a quantized V cache without flash attention is an error.
    """
    import os

    from .llm.models import model_factory

    strict = bool(request.config.getoption("llmcore_require_gpu", None)) or os.environ.get(
        "LLMCORE_REQUIRE_GPU", ""
    ).lower() in ("1", "true", "yes")
    factory = model_factory(request.config, strict)
    yield factory
    for loaded in factory.cache.values():  # type: ignore[attr-defined]
        loaded.close()


@pytest.fixture(scope="session")
def llama_cpp_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """Factory: ``llama_cpp_server(model_path, n_ctx=2048, n_gpu_layers=0, chat_format=None)``
    starts llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (a free port) and
    returns its base URL (``http://127.0.0.1:PORT/v1``, model name ``local``); stopped at
    session end. The chat format is the model's template, else its architecture's."""
    from .llm.server import LlamaServer

    servers: list[LlamaServer] = []

    def start(
        model_path: Any, n_ctx: int = 2048, n_gpu_layers: int = 0, chat_format: str | None = None
    ) -> str:
        from .core.errors import InputError

        log = tmp_path_factory.mktemp("llama-server") / "server.log"
        try:
            server = LlamaServer(
                model_path, n_ctx, n_gpu_layers, log_path=log, chat_format=chat_format
            ).start()
        except InputError as exc:  # a missing or malformed model file
            pytest.fail(str(exc), pytrace=False)
        servers.append(server)
        return server.base_url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def llm_endpoint() -> Any:
    """Factory: ``llm_endpoint(base_url, model, api_key="local", count_tokens=None,
    bust_cache=True)`` gives an endpoint whose ``.stream(prompt, max_tokens=64, chat=True)``
    times one streamed request through the openai client (TTFT, ITL, TPOT, E2E; tokens from
    the server's usage, else the model's tokenizer; a unique prompt prefix so that TTFT is
    never a prompt-cache hit) and returns a result with ``.record(llmcore_perf)``."""
    from .llm.endpoints import Endpoint

    return Endpoint
