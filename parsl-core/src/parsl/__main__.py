"""``python -m parsl`` is the ``parsl`` command."""

import sys

from parsl.cli.main import main

sys.exit(main())
