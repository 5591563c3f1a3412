"""``python -m isingml.cli``: the ``isingml`` command."""

import sys

from isingml.cli.app import main

sys.exit(main())
