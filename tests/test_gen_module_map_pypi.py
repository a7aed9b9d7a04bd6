"""The module-map generator's PyPI source, against a real HTTP server on loopback."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(REPO / "scripts"))


def _wheel(files: dict[str, str], pad: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("padding.bin", b"x" * pad)  # so that the central directory is far away
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


class _Server:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.ranges: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                rng = self.headers.get("Range")
                if rng:
                    outer.ranges.append(rng)
                    lo, hi = (int(x) for x in rng.removeprefix("bytes=").split("-"))
                    body = body[lo : hi + 1]
                    self.send_response(206)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def _index(server: _Server, name: str, files: list[tuple[str, bytes, dict[str, object]]]) -> None:
    entries = []
    for filename, body, extra in files:
        server.files[f"/files/{filename}"] = body
        url = f"{server.url}/files/{filename}"
        entries.append({"filename": filename, "url": url, "size": len(body), **extra})
    server.files[f"/simple/{name}/"] = json.dumps({"files": entries}).encode()


def test_reads_only_the_central_directory_of_the_newest_final_wheel(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = _load("_pypi_wheels")
    monkeypatch.setattr(pw, "INDEX", server.url + "/simple/{name}/")
    new = _wheel({"acme/__init__.py": "", "acme/cloud/__init__.py": ""}, pad=300_000)
    _index(
        server,
        "acme-sdk",
        [
            (
                "acme_sdk-1.0-py3-none-any.whl",
                _wheel({"old/__init__.py": ""}),
                {"upload-time": "1"},
            ),
            ("acme_sdk-2.0-py3-none-any.whl", new, {"upload-time": "2"}),
            (
                "acme_sdk-3.0rc1-py3-none-any.whl",
                _wheel({"pre/__init__.py": ""}),
                {"upload-time": "3"},
            ),
            (
                "acme_sdk-4.0-py3-none-any.whl",
                _wheel({"yanked/__init__.py": ""}),
                {"upload-time": "4", "yanked": True},
            ),
            ("acme_sdk-5.0.tar.gz", b"sdist", {"upload-time": "5"}),
        ],
    )
    got = pw.wheel_files("acme-sdk")
    assert got is not None
    assert got[0] == "acme_sdk-2.0-py3-none-any.whl"
    assert sorted(got[1]) == ["acme/__init__.py", "acme/cloud/__init__.py", "padding.bin"]
    # range requests only, none reading the 300 kB of padding in front of the directory
    assert server.ranges and all(
        int(r.split("=")[1].split("-")[0]) > 200_000 for r in server.ranges
    )


def test_no_wheel_or_unknown_name_gives_none(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = _load("_pypi_wheels")
    monkeypatch.setattr(pw, "INDEX", server.url + "/simple/{name}/")
    _index(server, "sdist-only", [("sdist_only-1.0.tar.gz", b"x", {})])
    assert pw.wheel_files("sdist-only") is None
    assert pw.wheel_files("no-such-project") is None


def test_huge_namespace_entries_collapse_to_their_folders() -> None:
    gen = _load("gen_module_map")
    protos = [f"google.api.m{i}_pb2" for i in range(30)] + [
        "google.rpc.context.a_pb2",
        "google.type.t_pb2",
    ]
    assert gen._collapse(protos) == ("google.api", "google.rpc", "google.type")
    few = ("google.cloud.storage", "google.cloud.storage_v2")
    assert gen._collapse(few) == few  # at most _MOST names: left as they are
    flat = [f"mod{i}" for i in range(40)]
    assert gen._collapse(flat) == tuple(sorted(flat))  # top-level names can't collapse
