"""A writer in its own process, for the tests that kill, race or starve it (no Prefect: run_ingest).

    python -m tests.flows.writer run LANDING LAKE [BUFFER_BYTES] [BATCH]   one run; small buffers = many commits
    python -m tests.flows.writer compact LAKE
    python -m tests.flows.writer hold LAKE SECONDS [RELEASE_FILE]           hold the local lake's lock

Prints one line: ``ok <counts>`` or ``error: <message>`` (exit 2), as the CLI does for lake errors.
"""
from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    from flows import ingest
    from flows.lake import Lake, LakeError
    cmd = argv[0]
    try:
        if cmd == "run":
            landing, lake = argv[1], argv[2]
            if len(argv) > 3:
                ingest.BUFFER_BYTES = int(argv[3])
            batch = int(argv[4]) if len(argv) > 4 else 8
            s = ingest.run_ingest(landing, lake, batch_size=batch, lock_wait=120)
            print("ok", dict(s.counts), flush=True)
        elif cmd == "compact":
            from flows.compact import compact
            print("ok", compact(argv[1], lock_wait=120), flush=True)
        elif cmd == "hold":   # until SECONDS pass or the file RELEASE exists
            from pathlib import Path
            release = Path(argv[3]) if len(argv) > 3 else None
            with Lake(argv[1]).lock():
                print("held", flush=True)
                deadline = time.monotonic() + float(argv[2])
                while time.monotonic() < deadline and not (release and release.exists()):
                    time.sleep(0.05)
            print("ok released", flush=True)
    except LakeError as exc:
        print(f"error: {exc}", flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
