"""Paths: where the bundled scenarios, data and experiments are; names that become paths (one safe path component
each); and directories that are never deleted.

Scenario and experiment files are data, never trusted with the file system: a name read from a file is
either refused (`check_component`, for experiment names, which name a results directory) or turned into one
safe component (`safe_component`, for names that are only part of a default directory name).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from sim.errors import InputError

PROJECT_DIR = Path(__file__).resolve().parents[2]
"""The project's checkout (or editable install): the bundled scenarios, data and experiments live beside the package."""
SCENARIO_DIR = PROJECT_DIR / "scenarios"
DATA_DIR = PROJECT_DIR / "data"
EXPERIMENTS_DIR = PROJECT_DIR / "experiments"

MAX_COMPONENT = 100  # characters of a name used in a path (file systems allow 255 bytes)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_component(name: object, *, file: str | None = None, line: int | None = None,
                    path: str = "name") -> str:
    """Return `name` if it is one safe path component; otherwise raise InputError naming the field."""
    allowed = (f"1-{MAX_COMPONENT} characters from letters, digits, '.', '_' and '-', not starting with '.' "
               "(the name of a results directory)")
    if not isinstance(name, str):
        raise InputError("wrong type", file=file, line=line, path=path, given=name, allowed=allowed)
    if not name or len(name) > MAX_COMPONENT or name.startswith(".") or _UNSAFE.search(name):
        raise InputError("not a safe directory name", file=file, line=line, path=path, given=name, allowed=allowed)
    return name


def safe_component(text: str, fallback: str = "unnamed") -> str:
    """`text` as one safe path component: unsafe characters become '_', no leading dots, at most MAX_COMPONENT."""
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = re.sub(r"\.{2,}", "_", _UNSAFE.sub("_", norm)).lstrip(".")[:MAX_COMPONENT].strip("_")
    return out or fallback


def protected(path: str | Path) -> str | None:
    """Why `path` must never be deleted (None if it may be, as far as its place goes): the working directory,
    any directory above it, the home directory or above, or the file-system root."""
    p = Path(os.path.abspath(path))
    try:
        real = p.resolve()
    except OSError:
        real = p
    cwd = Path.cwd().resolve()
    home = Path.home().resolve()
    for cand in {p, real}:
        if cand == Path(cand.anchor):
            return "it is the file-system root"
        if cand == cwd or cand in cwd.parents:
            return "it is the working directory or one above it"
        if cand == home or cand in home.parents:
            return "it is the home directory or one above it"
    return None
