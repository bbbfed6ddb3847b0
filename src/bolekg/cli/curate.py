"""``bolekg curate``: the drafts awaiting curation (README "Encode another report", step 2). Thin over
:mod:`bolekg.services.drafts`: ``add`` puts a draft of ``bolekg extract -o`` in the drafts directory,
where ``/curate/<report>`` finds it; ``list`` shows the drafts and how many facts each has left.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bolekg.exit_codes import EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from bolekg.services.drafts import Drafts


def _drafts(args: argparse.Namespace) -> Drafts:
    from bolekg.services.drafts import Drafts, drafts_directory

    return Drafts(args.drafts.resolve() if args.drafts else drafts_directory())


def cmd_curate_add(args: argparse.Namespace) -> int:
    from bolekg.services.drafts import DraftError

    drafts = _drafts(args)
    try:
        report_id = drafts.add(args.draft, replace=args.replace)
    except (DraftError, OSError) as error:
        print(f"bolekg curate add: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"bolekg curate add: {report_id} → {drafts.path(report_id)}; curate it at /curate/{report_id}",
          file=sys.stderr)
    return EXIT_OK


def cmd_curate_list(args: argparse.Namespace) -> int:
    from bolekg.services.curation import facts

    drafts = _drafts(args)
    ids = drafts.ids()
    for report_id in ids:
        print(f"{report_id}\t{len(facts(drafts.read(report_id)))} facts to decide")
    if not ids:
        print(f"no drafts in {drafts.directory} (bolekg curate add DRAFT.ttl puts one there)", file=sys.stderr)
    return EXIT_OK


def register_curate(commands: argparse._SubParsersAction) -> None:
    curate = commands.add_parser("curate", help="drafts awaiting curation: add one, list them",
                                 description="Drafts awaiting curation in the browser (/curate/<report>), "
                                             "kept as files in BOLEKG_DRAFTS_DIR; never published in the store.")
    actions = curate.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="put a draft (bolekg extract -o DRAFT.ttl) in the drafts directory")
    add.add_argument("draft", type=Path, help="the draft's Turtle, as bolekg extract -o wrote it")
    add.add_argument("--replace", action="store_true", help="replace a draft of the same report")
    add.set_defaults(func=cmd_curate_add)
    listing = actions.add_parser("list", help="the drafts and how many facts each has left")
    listing.set_defaults(func=cmd_curate_list)
    for parser in (add, listing):
        parser.add_argument("--drafts", type=Path, help="the drafts directory (default: BOLEKG_DRAFTS_DIR or drafts/)")
