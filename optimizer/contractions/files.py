"""Atomic file writes shared by the suite's scripts: a temp file in the same folder, then a
rename, so that a reader (or an interrupted run) never sees half a file."""
from __future__ import annotations

import json
import os


def atomic_write_text(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path, data):
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")
