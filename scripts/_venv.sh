# Shared by scripts/demo and scripts/test: create .venv at the repository root if missing.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
# shellcheck source=scripts/_progress.sh
source "$ROOT/scripts/_progress.sh"
if [[ ! -x "$PY" ]]; then
  echo "creating $ROOT/.venv"
  "${PYTHON:-python3}" -m venv "$ROOT/.venv"
  "$PY" -m pip install --quiet --upgrade "pip>=25.1"
fi
# llama-cpp-python is built from source (about 15 minutes on 2 cores the first time; pip
# keeps the wheel). A portable AVX2 build: the default -march=native build crashed here in
# llama.cpp's AMX kernels on a virtual Intel CPU that reports AMX. Override with CMAKE_ARGS.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF}"

# Says what is about to take long, then installs with progress (scripts/_progress.sh); the
# whole pip log is kept in .venv/pip-install.log and its end shown when pip fails.
pip_install() {
  local log="$ROOT/.venv/pip-install.log" rc=0
  if ! "$PY" -c "import llama_cpp" 2>/dev/null; then
    if "$PY" -m pip cache list llama_cpp_python 2>/dev/null | grep -q llama_cpp_python; then
      echo "installing into .venv: llama-cpp-python from the wheel built on an earlier run"
    else
      echo "installing into .venv: llama-cpp-python is compiled from source the first time" \
        "(about 10-15 minutes on 2 cores; later runs reuse the wheel); progress below"
    fi
  else
    echo "installing into .venv (what is missing or outdated)"
  fi
  heartbeat_start "still installing, full log in $log"
  "$PY" -m pip install -v --disable-pip-version-check "$@" 2>&1 | tee "$log" | progress_filter ||
    rc=${PIPESTATUS[0]}
  heartbeat_stop
  if [[ $rc -ne 0 ]]; then
    echo "pip install failed (exit $rc); the end of $log:" >&2
    tail -n 40 "$log" >&2
    return "$rc"
  fi
  # An editable install writes no bytecode, and with PYTHONDONTWRITEBYTECODE (set in many
  # container images) importing never writes it either: every `llmcore` start would compile
  # the package from source (a quarter of a second). compileall writes it regardless.
  "$PY" -m compileall -q "$ROOT/pytest_llmcore" >/dev/null || true
}
