"""The web UI's snapshot reducer (frontend/snapshot.js), called from Python tests.

There is one reducer, the client's; the tests that check "old snapshot + pushes == new
snapshot" fold with it rather than with a copy of their own. It runs in Node (tests/fold.mjs):
the reducer is a pure function of JSON, so Node runs the very module the browser loads,
unchanged, in a few tens of milliseconds per fold, where a browser would cost seconds to start
and a Python port would be a second reducer to keep in step by hand."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import need

FOLD = Path(__file__).with_name("fold.mjs")
SNAPSHOT_JS = Path(__file__).resolve().parent.parent / "frontend" / "snapshot.js"


def node() -> str:
    """The `node` binary (Node 20 or later); the test is skipped without it (failed in CI)."""
    found = shutil.which("node")
    if found is None:
        need("Node.js is not installed (apt-get install nodejs): the snapshot reducer runs in it")
    assert found is not None
    return found


async def _run(*args: str, stdin: str = "") -> str:
    child = await asyncio.create_subprocess_exec(
        node(),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate(stdin.encode())
    assert child.returncode == 0, f"node {' '.join(args)} failed:\n{err.decode()}"
    return out.decode()


async def fold(snapshot: dict[str, Any], pushes: list[dict[str, Any]]) -> dict[str, Any]:
    """`snapshot` with `pushes` (frames with "type" and "data") folded in, as a page does."""
    request = {
        "snapshot": snapshot,
        "pushes": [{"type": p["type"], "data": p["data"]} for p in pushes],
    }
    folded: dict[str, Any] = json.loads(await _run(str(FOLD), stdin=json.dumps(request)))
    return folded


async def folded_types() -> list[str]:
    """The push types the reducer folds (its `FOLDED_TYPES`)."""
    script = (
        f"import {{ FOLDED_TYPES }} from {json.dumps(SNAPSHOT_JS.as_uri())};"
        "process.stdout.write(JSON.stringify(FOLDED_TYPES));"
    )
    found: list[str] = json.loads(await _run("--input-type=module", "-e", script))
    return found
