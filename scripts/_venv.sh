# Shared by scripts/demo and scripts/test: create .venv at the repository root if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
if [[ ! -x "$PY" ]]; then
  echo "creating $ROOT/.venv"
  "${PYTHON:-python3}" -m venv "$ROOT/.venv"
  "$PY" -m pip install --quiet --upgrade "pip>=25.1"
fi
# llama-cpp-python is built from source (about 15 minutes on 2 cores the first time; pip
# keeps the wheel). A portable AVX2 build: the default -march=native build crashed here in
# llama.cpp's AMX kernels on a virtual Intel CPU that reports AMX. Override with CMAKE_ARGS.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF}"
pip_install() {
  "$PY" -m pip install --quiet --disable-pip-version-check "$@"
}
