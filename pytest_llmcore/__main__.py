"""``python -m pytest_llmcore``: the ``llmcore`` command."""

import sys

from .cli import main

sys.exit(main())
