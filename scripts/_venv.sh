# Shared by scripts/demo and scripts/test: create .venv at the repository root if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
if [[ ! -x "$PY" ]]; then
  echo "creating $ROOT/.venv"
  "${PYTHON:-python3}" -m venv "$ROOT/.venv"
  "$PY" -m pip install --quiet --upgrade "pip>=25.1"
fi
pip_install() {
  "$PY" -m pip install --quiet --disable-pip-version-check "$@"
}
