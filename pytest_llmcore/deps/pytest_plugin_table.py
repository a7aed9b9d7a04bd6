"""What common pytest plugins provide, for when they are not installed.

A ``pytest-*`` dependency is used when the project uses something it provides. When the
plugin is installed its ``pytest11`` module is read (never imported) and this table is
added to what that finds. An option ending in ``-`` is a prefix (``--benchmark-``).
``always`` marks plugins that act by being installed (they change reporting, ordering
or patch every test), so declaring them is using them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["ENV_SETTINGS", "PLUGINS", "PluginSurface"]


class PluginSurface(NamedTuple):
    """The fixtures, markers, command-line options, ini keys and plugin names of a plugin."""

    fixtures: frozenset[str] = frozenset()
    markers: frozenset[str] = frozenset()
    options: frozenset[str] = frozenset()
    ini: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    """``-p NAME`` names and modules listed in ``pytest_plugins``."""
    always: str | None = None
    """Why declaring it is using it, for plugins that act by being installed."""
    calls: frozenset[str] = frozenset()
    """Test-case methods whose call needs the plugin (``self.subTest``: pytest before 9
    reports unittest subtests only with pytest-subtests)."""

    def merged(self, other: PluginSurface) -> PluginSurface:
        return PluginSurface(
            self.fixtures | other.fixtures,
            self.markers | other.markers,
            self.options | other.options,
            self.ini | other.ini,
            self.names | other.names,
            self.always or other.always,
            self.calls | other.calls,
        )

    @property
    def empty(self) -> bool:
        return not (self.fixtures or self.markers or self.options or self.ini or self.calls)

    @property
    def words(self) -> frozenset[str]:
        """Names looked for in the project's sources: fixtures, markers, methods."""
        return self.fixtures | self.markers | self.calls


def _s(*items: str) -> frozenset[str]:
    return frozenset(items)


#: distribution (PEP 503 name) -> what it provides.
PLUGINS: dict[str, PluginSurface] = {
    "pytest-cov": PluginSurface(
        fixtures=_s("cov", "no_cover"),
        markers=_s("no_cover"),
        options=_s("--cov", "--cov-", "--no-cov", "--no-cov-on-fail"),
        names=_s("pytest_cov", "pytest_cov.plugin"),
    ),
    "pytest-xdist": PluginSurface(
        fixtures=_s("worker_id", "testrun_uid"),
        markers=_s("xdist_group"),
        options=_s("-n", "--numprocesses", "--dist", "--maxprocesses", "--max-worker-restart")
        | _s("--tx", "-d", "--looponfail", "-f", "--rsyncdir", "--maxschedchunk"),
        ini=_s("rsyncdirs", "rsyncignore", "looponfailroots"),
        names=_s("xdist", "xdist.plugin", "xdist.looponfail"),
    ),
    "pytest-mock": PluginSurface(
        fixtures=_s("mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"),
        ini=_s("mock_traceback_monkeypatch", "mock_use_standalone_module"),
        names=_s("pytest_mock"),
    ),
    "pytest-asyncio": PluginSurface(
        fixtures=_s("event_loop", "event_loop_policy", "unused_tcp_port", "unused_udp_port")
        | _s("unused_tcp_port_factory", "unused_udp_port_factory"),
        markers=_s("asyncio"),
        options=_s("--asyncio-mode", "--asyncio-debug"),
        ini=_s("asyncio_mode", "asyncio_default_fixture_loop_scope")
        | _s("asyncio_default_test_loop_scope", "asyncio_debug"),
        names=_s("asyncio", "pytest_asyncio", "pytest_asyncio.plugin"),
    ),
    "pytest-timeout": PluginSurface(
        markers=_s("timeout"),
        options=_s("--timeout", "--timeout-method", "--timeout_method", "--session-timeout")
        | _s("--timeout-disable-debugger-detection"),
        ini=_s("timeout", "timeout_method", "timeout_func_only", "session_timeout"),
        names=_s("timeout", "pytest_timeout"),
    ),
    "pytest-benchmark": PluginSurface(
        fixtures=_s("benchmark", "benchmark_weave"),
        markers=_s("benchmark"),
        options=_s("--benchmark-"),
        names=_s("pytest_benchmark", "pytest_benchmark.plugin"),
    ),
    "pytest-codspeed": PluginSurface(
        fixtures=_s("benchmark"),
        markers=_s("benchmark", "codspeed_benchmark"),
        options=_s("--codspeed"),
        names=_s("pytest_codspeed"),
    ),
    "pytest-httpx": PluginSurface(
        fixtures=_s("httpx_mock"), markers=_s("httpx_mock"), names=_s("pytest_httpx")
    ),
    "pytest-django": PluginSurface(
        fixtures=_s("client", "admin_client", "async_client", "rf", "async_rf", "db")
        | _s("transactional_db", "django_db_setup", "settings", "live_server", "admin_user")
        | _s("django_user_model", "django_assert_num_queries", "mailoutbox", "django_db_blocker")
        | _s("django_assert_max_num_queries", "django_capture_on_commit_callbacks")
        | _s("async_admin_client", "django_username_field", "django_db_serialized_rollback")
        | _s("django_db_reset_sequences", "django_db_modify_db_settings", "django_db_keepdb")
        | _s("django_db_createdb", "django_db_use_migrations", "django_mail_dnsname")
        | _s("django_mail_patch_dns"),
        markers=_s("django_db", "urls", "ignore_template_errors"),
        options=_s("--ds", "--dc", "--reuse-db", "--create-db", "--nomigrations", "--migrations")
        | _s("--no-migrations", "--fail-on-template-vars", "--django-debug-mode"),
        ini=_s("DJANGO_SETTINGS_MODULE", "django_find_project", "FAIL_INVALID_TEMPLATE_VARS")
        | _s("django_debug_mode"),
        names=_s("django", "pytest_django", "pytest_django.plugin"),
    ),
    "pytest-randomly": PluginSurface(
        options=_s("--randomly-seed", "--randomly-dont-reorganize", "--randomly-dont-reset-seed"),
        names=_s("randomly", "pytest_randomly"),
        always="reorders tests and reseeds random generators when installed",
    ),
    "pytest-rerunfailures": PluginSurface(
        markers=_s("flaky"),
        options=_s("--reruns", "--reruns-delay", "--only-rerun", "--rerun-except")
        | _s("--force-reruns", "--fail-on-flaky"),
        ini=_s("reruns", "reruns_delay"),
        names=_s("rerunfailures", "pytest_rerunfailures"),
    ),
    "pytest-env": PluginSurface(ini=_s("env"), names=_s("pytest_env")),
    # allure-pytest 2.x (allure_pytest/plugin.py pytest_addoption, pytest_configure markers)
    "allure-pytest": PluginSurface(
        markers=_s("allure_label", "allure_link", "allure_display_name")
        | _s("allure_description", "allure_description_html"),
        options=_s("--alluredir", "--clean-alluredir", "--allure-no-capture")
        | _s("--allure-severities", "--allure-epics", "--allure-features", "--allure-stories")
        | _s("--allure-ids", "--allure-label", "--allure-link-pattern", "--inversion"),
        names=_s("allure_pytest"),
    ),
    "pytest-dotenv": PluginSurface(
        options=_s("--envfile"),
        ini=_s("env_files", "env_override_existing_values"),
        names=_s("pytest_dotenv"),
    ),
    "pytest-snapshot": PluginSurface(
        fixtures=_s("snapshot"),
        options=_s("--snapshot-update", "--allow-snapshot-deletion"),
        names=_s("pytest_snapshot"),
    ),
    "syrupy": PluginSurface(fixtures=_s("snapshot"), options=_s("--snapshot-"), names=_s("syrupy")),
    "pytest-recording": PluginSurface(
        fixtures=_s("vcr", "vcr_config", "vcr_cassette_dir", "default_cassette_name")
        | _s("record_mode", "block_network", "vcr_markers"),
        markers=_s("vcr", "block_network", "default_cassette", "allowed_hosts"),
        options=_s("--record-mode", "--block-network", "--allowed-hosts", "--disable-recording"),
        names=_s("recording", "pytest_recording"),
    ),
    "pytest-vcr": PluginSurface(
        fixtures=_s("vcr", "vcr_config", "vcr_cassette", "vcr_cassette_dir", "vcr_cassette_name"),
        markers=_s("vcr"),
        options=_s("--vcr-record", "--vcr-record-mode", "--disable-vcr"),
        names=_s("pytest_vcr"),
    ),
    "anyio": PluginSurface(
        fixtures=_s("anyio_backend", "anyio_backend_name", "anyio_backend_options")
        | _s("free_tcp_port", "free_udp_port", "free_tcp_port_factory", "free_udp_port_factory"),
        markers=_s("anyio"),
        names=_s("anyio", "anyio.pytest_plugin"),
    ),
    "pytest-repeat": PluginSurface(
        markers=_s("repeat"), options=_s("--count", "--repeat-scope"), names=_s("repeat")
    ),
    "pytest-html": PluginSurface(
        fixtures=_s("extras", "extra"),
        options=_s("--html", "--self-contained-html", "--css"),
        ini=_s("render_collapsed", "generate_report_on_test", "max_asset_filename_length"),
        names=_s("html", "pytest_html"),
    ),
    "pytest-json-report": PluginSurface(
        fixtures=_s("json_metadata"), options=_s("--json-report"), names=_s("pytest_jsonreport")
    ),
    "pytest-socket": PluginSurface(
        fixtures=_s("socket_enabled", "socket_disabled"),
        markers=_s("enable_socket", "disable_socket", "allow_hosts"),
        options=_s("--disable-socket", "--allow-hosts", "--allow-unix-socket")
        | _s("--force-enable-socket"),
        names=_s("socket", "pytest_socket"),
    ),
    "pytest-subtests": PluginSurface(
        fixtures=_s("subtests"), names=_s("subtests"), calls=_s("subTest")
    ),
    "pytest-order": PluginSurface(
        markers=_s("order"), options=_s("--order-scope", "--indulgent-ordering", "--order-")
    ),
    "pytest-ordering": PluginSurface(markers=_s("run", "first", "last")),
    "pytest-freezer": PluginSurface(fixtures=_s("freezer"), markers=_s("freeze_time")),
    "pytest-freezegun": PluginSurface(fixtures=_s("freezer"), markers=_s("freeze_time")),
    "pytest-aiohttp": PluginSurface(
        fixtures=_s("aiohttp_client", "aiohttp_server", "aiohttp_raw_server")
        | _s("aiohttp_unused_port", "aiohttp_client_cls")
    ),
    "pytest-trio": PluginSurface(markers=_s("trio"), ini=_s("trio_mode", "trio_run")),
    "pytest-localserver": PluginSurface(fixtures=_s("httpserver", "httpsserver", "smtpserver")),
    "pytest-httpserver": PluginSurface(
        fixtures=_s("httpserver", "httpserver_listen_address", "make_httpserver")
        | _s("httpserver_ssl_context", "httpserver_ipv4", "httpserver_ipv6")
    ),
    "pytest-httpbin": PluginSurface(fixtures=_s("httpbin", "httpbin_secure", "httpbin_both")),
    "pytest-datadir": PluginSurface(  # lazy_*: 1.7
        fixtures=_s("datadir", "shared_datadir", "original_datadir")
        | _s("lazy_datadir", "lazy_shared_datadir")
    ),
    "pytest-regressions": PluginSurface(
        fixtures=_s("data_regression", "file_regression", "num_regression", "image_regression")
        | _s("dataframe_regression", "ndarrays_regression"),
        options=_s("--force-regen", "--regen-all", "--with-test-class-names"),
    ),
    "pytest-examples": PluginSurface(fixtures=_s("eval_example")),
    "pytest-check": PluginSurface(fixtures=_s("check")),
    "pytest-playwright": PluginSurface(
        fixtures=_s("page", "browser", "context", "browser_name", "browser_type", "playwright")
        | _s("new_context", "browser_context_args", "launch_browser"),
        options=_s("--browser", "--headed", "--browser-channel", "--slowmo", "--tracing"),
    ),
    "pytest-qt": PluginSurface(
        fixtures=_s("qtbot", "qapp", "qtmodeltester", "qtlog", "qapp_args"),
        markers=_s("qt_no_exception_capture", "qt_log_level_fail"),
        ini=_s("qt_api", "qt_no_exception_capture", "qt_log_level_fail"),
    ),
    "pytest-xprocess": PluginSurface(fixtures=_s("xprocess")),
    "pytest-docker": PluginSurface(
        fixtures=_s("docker_services", "docker_ip", "docker_compose_file", "docker_compose_command")
    ),
    "pytest-postgresql": PluginSurface(fixtures=_s("postgresql", "postgresql_proc")),
    "pytest-celery": PluginSurface(
        fixtures=_s("celery_app", "celery_worker", "celery_session_app")
    ),
    "pytest-console-scripts": PluginSurface(fixtures=_s("script_runner")),
    "pytest-aioresponses": PluginSurface(fixtures=_s("aioresponses")),
    "pytest-mpl": PluginSurface(markers=_s("mpl_image_compare"), options=_s("--mpl", "--mpl-")),
    "pytest-memray": PluginSurface(
        markers=_s("limit_memory", "limit_leaks"), options=_s("--memray", "--most-allocations")
    ),
    "pytest-doctestplus": PluginSurface(
        options=_s("--doctest-plus", "--doctest-rst", "--doctest-"),
        ini=_s("doctest_plus", "doctest_rst", "doctest_optionflags", "text_file_format"),
    ),
    "pytest-mypy": PluginSurface(options=_s("--mypy", "--mypy-")),
    "pytest-ruff": PluginSurface(options=_s("--ruff", "--ruff-format")),
    "nbmake": PluginSurface(options=_s("--nbmake", "--nbmake-")),
    "pytest-split": PluginSurface(options=_s("--splits", "--group", "--store-durations")),
    "pytest-testmon": PluginSurface(options=_s("--testmon", "--testmon-")),
    "pytest-picked": PluginSurface(options=_s("--picked", "--parent-branch")),
    "pytest-instafail": PluginSurface(options=_s("--instafail")),
    "pytest-custom-exit-code": PluginSurface(options=_s("--suppress-no-test-exit-code")),
    "pytest-profiling": PluginSurface(options=_s("--profile", "--profile-svg")),
    "pytest-markdown-docs": PluginSurface(options=_s("--markdown-docs")),
    "pytest-sugar": PluginSurface(always="changes pytest's output when installed"),
    "pytest-pretty": PluginSurface(always="changes pytest's output when installed"),
    "pytest-clarity": PluginSurface(always="changes pytest's assertion diffs when installed"),
    "pytest-icdiff": PluginSurface(always="changes pytest's assertion diffs when installed"),
    "pytest-github-actions-annotate-failures": PluginSurface(
        always="annotates failures on GitHub Actions when installed"
    ),
    "pytest-xvfb": PluginSurface(always="starts a virtual X server when installed"),
    "pytest-responses": PluginSurface(always="patches requests in every test when installed"),
    "pytest-loguru": PluginSurface(always="routes loguru into caplog when installed"),
    "pytest-unordered": PluginSurface(names=_s("pytest_unordered")),
    # plugins of libraries usually imported, whose fixtures a test may use alone
    "time-machine": PluginSurface(fixtures=_s("time_machine"), markers=_s("time_machine")),
    "respx": PluginSurface(fixtures=_s("respx_mock"), markers=_s("respx")),
    "pytest-dependency": PluginSurface(
        markers=_s("dependency"),
        options=_s("--ignore-unknown-dependency"),
        ini=_s("automark_dependency"),
    ),
    "pytest-forked": PluginSurface(markers=_s("forked"), options=_s("--forked")),
    "pytest-retry": PluginSurface(
        markers=_s("flaky"),
        options=_s("--retries", "--retry-delay", "--cumulative-timing"),
        ini=_s("retries", "retry_delay", "cumulative_timing"),
    ),
    "pytest-flask": PluginSurface(
        fixtures=_s("client", "client_class", "config", "live_server", "request_ctx")
        | _s("accept_json", "accept_jsonp", "accept_any", "accept_mimetype"),
        markers=_s("options"),
        options=_s("--start-live-server", "--no-start-live-server", "--live-server-"),
    ),
    "pytest-reportlog": PluginSurface(options=_s("--report-log", "--report-log-")),
    "nbval": PluginSurface(options=_s("--nbval", "--nbval-lax", "--nbval-", "--sanitize-with")),
    "xdoctest": PluginSurface(options=_s("--xdoctest", "--xdoc", "--xdoctest-")),
    "pytest-shard": PluginSurface(options=_s("--shard-id", "--num-shards")),
    "pytest-cookies": PluginSurface(
        fixtures=_s("cookies", "cookies_session"), options=_s("--keep-baked-projects")
    ),
    "pytest-base-url": PluginSurface(
        fixtures=_s("base_url"), options=_s("--base-url"), ini=_s("base_url")
    ),
}

#: environment variables a plugin reads as one of its settings: name -> (distribution, the
#: ini key or option it stands for). Setting one in CI (a workflow ``env:``, a Makefile, a
#: script) uses the plugin. Checked in each plugin's source: pytest-timeout's
#: ``get_env_settings`` reads ``PYTEST_TIMEOUT`` as the default per-test timeout;
#: pytest-xdist's ``pytest_xdist_auto_num_workers`` reads ``PYTEST_XDIST_AUTO_NUM_WORKERS``
#: as the worker count of ``-n auto``.
ENV_SETTINGS: dict[str, tuple[str, str]] = {
    "PYTEST_TIMEOUT": ("pytest-timeout", "timeout"),
    "PYTEST_XDIST_AUTO_NUM_WORKERS": ("pytest-xdist", "--numprocesses"),
}
