"""Where the landing zone and the lake are: a flag, then the environment, then ``cleanlake.toml``,
then defaults relative to the working folder.

``cleanlake.toml`` is looked for in the working folder and each folder above it; the first one found
wins. Its relative paths are relative to the folder holding it::

    landing = "data/raw"
    lake = "data/lake"

Without one, the defaults are ``data/raw`` and ``data/lake`` under the working folder, never the
folder the package is installed in (a plain ``pip install .`` puts that in site-packages).
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_LANDING = "CLEANLAKE_LANDING"
ENV_LAKE = "CLEANLAKE_LAKE"
CONFIG_NAME = "cleanlake.toml"
DEFAULT_LANDING = "data/raw"
DEFAULT_LAKE = "data/lake"


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _from_config(key: str) -> str | None:
    path = find_config()
    if path is None:
        return None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{path}: {key} must be a string")
    if "://" in value or os.path.isabs(value):
        return value
    return str(path.parent / value)


def _resolve(value: str | None, env: str, key: str, default: str) -> str:
    value = value or os.environ.get(env) or _from_config(key) or default
    if "://" in value:
        return value
    return str(Path(value).expanduser().absolute())


def landing_url(value: str | None = None) -> str:
    return _resolve(value, ENV_LANDING, "landing", DEFAULT_LANDING)


def lake_url(value: str | None = None) -> str:
    return _resolve(value, ENV_LAKE, "lake", DEFAULT_LAKE)


def where_from(value: str | None, env: str, key: str) -> str:
    """Says where a path came from, for error messages ("--lake", "$CLEANLAKE_LAKE", a toml, default)."""
    if value:
        return f"--{key}"
    if os.environ.get(env):
        return f"${env}"
    cfg = find_config()
    if cfg is not None and _from_config(key):
        return str(cfg)
    return "the default (relative to the working folder)"
