"""The exit statuses of every ``bolekg`` command (and of the load tester in ``bench/``), defined once.

* :data:`EXIT_OK` (0) — done; a check found nothing wrong;
* :data:`EXIT_INVALID` (1) — the command ran, and what it checked failed: the data does not conform,
  the store is damaged, a load test saw unexpected answers;
* :data:`EXIT_ERROR` (2) — the command could not do its work: a missing file, a bad argument or
  setting, a backend that cannot be reached (argparse's own usage errors are 2 as well).
"""

from __future__ import annotations

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
