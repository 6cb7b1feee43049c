"""``python -m sfnkit`` is the ``sfnkit`` command."""

import sys

from sfnkit.cli import main

sys.exit(main())
