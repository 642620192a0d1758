"""Command line: ``python -m checklists validate`` | ``record`` | ``list``.

validate  check every definition (drafts allowed) and that published versions are unchanged
record    validate, then record every new version in published.json
list      the published checklists
"""

from __future__ import annotations

import sys

from . import ChecklistDefinitionError, load_all, record_published, validate_definitions


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "validate"
    try:
        if command == "validate":
            docs = validate_definitions()
            print(f"{len(docs)} checklist definitions valid")
        elif command == "record":
            new_ids = record_published()
            print("recorded: " + (", ".join(new_ids) if new_ids else "nothing new"))
        elif command == "list":
            for doc in load_all():
                print(f"{doc['_id']}\t{doc['title']}")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except ChecklistDefinitionError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
