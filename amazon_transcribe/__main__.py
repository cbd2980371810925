"""``python -m amazon_transcribe``: the command line (see :mod:`amazon_transcribe.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
