"""`tidepool-scrub-har IN.har OUT.har`: a copy of a HAR without its secrets, safe to commit.

A HAR saved by a browser holds the session's tokens, cookies, `Authorization` headers and
log-in bodies; har.scrubbed replaces them (and answers' bodies) with a placeholder and
keeps everything `--replay` needs. Says in one line what it removed; exit 4 with one line
when the input is not a HAR file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from contract_tests import har

NOT_DONE = 4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tidepool-scrub-har",
        description="Write a copy of a HAR file without tokens, cookies, passwords or bodies.",
    )
    parser.add_argument("recording", type=Path, help="the HAR file as the browser saved it")
    parser.add_argument("output", type=Path, help="where to write the scrubbed copy")
    args = parser.parse_args(argv)
    try:
        document = har.load(args.recording)
    except har.HarProblem as problem:
        print(f"tidepool-scrub-har: {problem}", file=sys.stderr)
        return NOT_DONE
    found = har.secrets_in(document)
    clean = har.scrubbed(document)
    args.output.write_text(json.dumps(clean, indent=1, ensure_ascii=False), encoding="utf-8")
    removed = ", ".join(f"{n} {kind}" for kind, n in sorted(found.items())) or "no secret found"
    print(f"{args.output}: {len(document['log']['entries'])} entries; scrubbed {removed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
