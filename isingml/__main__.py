"""``python -m isingml``: the ``isingml`` command."""

import sys

from isingml.cli.app import main

sys.exit(main())
