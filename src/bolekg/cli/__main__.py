"""``python -m bolekg.cli``: the ``bolekg`` command without its installed script."""

import sys

from bolekg.cli import main

sys.exit(main())
