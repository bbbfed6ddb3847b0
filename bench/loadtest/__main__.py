"""``python -m loadtest`` (with ``bench/`` on the path): see the package's docstring."""

import sys

from .cli import main

sys.exit(main())
