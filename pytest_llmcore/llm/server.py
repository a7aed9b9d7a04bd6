"""Start llama-cpp-python's OpenAI-compatible server on loopback for tests, and stop it.

A free port on 127.0.0.1, readiness polled on ``/v1/models``, the process in its own
session so that stopping it leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

__all__ = ["LlamaServer", "ServerURL", "chat_format_for", "free_port"]

#: llama-cpp-python chat formats for architectures whose GGUF files often lack a chat
#: template (the bundled Gemma 3 270M does): without one the server falls back to
#: llama-2's [INST] format and Gemma answers nothing
_CHAT_FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "gemma3n": "gemma"}


class ServerURL(str):
    """The server's base URL, carrying the model it serves (for its tokenizer)."""

    model_path: str

    def __new__(cls, url: str, model_path: str) -> ServerURL:
        self = super().__new__(cls, url)
        self.model_path = model_path
        return self


def chat_format_for(model: Path | str) -> str | None:
    """None when the GGUF has its own chat template (the server uses it), else the
    llama-cpp-python format of its architecture, when there is one."""
    from .gguf_info import read_gguf

    info = read_gguf(model)
    return None if info.has_chat_template else _CHAT_FORMATS.get(info.architecture)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """``python -m llama_cpp.server`` serving one GGUF model on 127.0.0.1."""

    def __init__(
        self,
        model: Path | str,
        n_ctx: int = 2048,
        n_gpu_layers: int = 0,
        log_path: Path | None = None,
        startup_timeout: float = 120.0,
        chat_format: str | None = None,
    ) -> None:
        """``chat_format``: a llama-cpp-python chat format name; default
        :func:`chat_format_for` the model."""
        self.model = str(model)
        self.chat_format = chat_format or chat_format_for(model)
        self.n_ctx = n_ctx
        self.n_gpu_layers = n_gpu_layers
        self.port = free_port()
        self.base_url = ServerURL(f"http://127.0.0.1:{self.port}/v1", self.model)
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> LlamaServer:
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            self.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_gpu_layers",
            str(self.n_gpu_layers),
            "--model_alias",
            "local",
        ]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        self._log = open(self.log_path, "wb") if self.log_path else open(os.devnull, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited with {self.proc.returncode} before "
                    f"serving (log: {self.log_path or 'not kept'})"
                )
            if self.ready():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"llama_cpp.server did not answer on {self.base_url} within "
            f"{self.startup_timeout:.0f} s"
        )

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=1) as r:
                return bool(json.loads(r.read()).get("data"))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
