"""Run the command-line interface with ``python -m govkg``."""

from __future__ import annotations

import sys

from govkg.cli import main

sys.exit(main())
