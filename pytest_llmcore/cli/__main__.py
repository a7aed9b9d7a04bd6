"""``python -m pytest_llmcore.cli``: the ``llmcore`` command."""

import sys

from . import main

sys.exit(main())
