#!/usr/bin/env python3
"""Write docs/config.md from the declared key tables and the pytest options.

python scripts/gen_config_doc.py          # write it
python scripts/gen_config_doc.py --check  # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package, whatever is installed

from pytest_llmcore.configdoc import render  # noqa: E402
from pytest_llmcore.core.fsutil import atomic_write_bytes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the page is stale")
    args = parser.parse_args(argv)
    page = ROOT / "docs" / "config.md"
    text = render()
    current = page.read_text(encoding="utf-8") if page.is_file() else None
    if args.check:
        if current != text:
            print(f"{page}: stale; run python scripts/gen_config_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        atomic_write_bytes(page, text.encode("utf-8"))
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
