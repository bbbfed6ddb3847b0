"""``bolekg store check``, ``bolekg backup`` and ``bolekg restore``: thin wrappers over
:mod:`bolekg.store.check` and :mod:`bolekg.store.recovery`.

Exit codes: 0 ok (healthy, backed up, restored), 1 damaged or invalid (``store check``: the store is
damaged or its data does not conform; ``restore``: the file does not conform, nothing changed),
2 error (no such directory, the store is in use, a file that cannot be read).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bolekg.exit_codes import EXIT_ERROR, EXIT_INVALID, EXIT_OK


def cmd_store_check(args: argparse.Namespace) -> int:
    from bolekg.store.check import check_store, format_report
    from bolekg.store.ondisk import NotAStore

    try:
        report = check_store(args.directory, thorough=not args.quick, timeout=args.timeout, memory_mb=args.memory_mb)
    except (FileNotFoundError, NotAStore) as error:
        print(f"bolekg store check: {error}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(format_report(report))
    return EXIT_OK if report.healthy else EXIT_INVALID


def cmd_backup(args: argparse.Namespace) -> int:
    from bolekg.store.recovery import backup

    copied = backup(args.store, args.output, generation=args.generation)
    print(f"Backed up {copied.summary()} from {args.store} ({copied.generation}) to {copied.path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from bolekg.store import WriteRejected
    from bolekg.store.recovery import restore

    try:
        copied = restore(args.store, args.file)
    except WriteRejected as error:
        sys.stdout.write(error.report_text())
        print(f"bolekg restore: not restored: the data in {args.file} does not conform to the shapes; "
              f"{args.store} is unchanged.", file=sys.stderr)
        return EXIT_INVALID
    print(f"Restored {copied.summary()} from {args.file} into {args.store} as {copied.generation}, now live. "
          "The generations it replaced are removed when the store is next opened.")
    return EXIT_OK


def register_recovery(commands: argparse._SubParsersAction) -> None:
    store = commands.add_parser("store", help="inspect an on-disk store")
    actions = store.add_subparsers(dest="store_command", required=True)
    check = actions.add_parser("check", help="report a store's generations, damage, contents and validity "
                                             "(read-only; works while a server runs)")
    check.add_argument("directory", type=Path, metavar="DIR")
    check.add_argument("--quick", action="store_true",
                       help="read every quad once instead of through every index (about 6x faster)")
    check.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="stop reading after this long (default: 10 s + 2 s per MB of .sst files)")
    check.add_argument("--memory-mb", type=int, metavar="MB",
                       help="memory the reading process may take (default 1600)")
    check.set_defaults(func=cmd_store_check)

    backup = commands.add_parser("backup", help="write every graph of an on-disk store to a TriG or N-Quads file "
                                                "(works while a server runs)")
    backup.add_argument("--store", type=Path, metavar="DIR", required=True)
    backup.add_argument("--output", "-o", type=Path, metavar="FILE", required=True,
                        help="*.trig or *.nq (written to a temporary file, then renamed)")
    backup.add_argument("--generation", metavar="NAME",
                        help="back up this generation (gen-…) instead of the live one")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser("restore", help="validate a backup and load it as the store's new live generation")
    restore.add_argument("--store", type=Path, metavar="DIR", required=True)
    restore.add_argument("file", type=Path, metavar="FILE", help="a *.trig or *.nq file (e.g. from bolekg backup)")
    restore.set_defaults(func=cmd_restore)
