"""Find the raw files in a landing zone: a stat per file, no reads.

Never follows a symlink out of the landing zone; skips folders (even one named ``x.html``) and the
hidden files that editors and sync tools leave behind.
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Iterator

import fsspec

from transforms.containers import CONTAINER_SUFFIXES
from transforms.provenance import sidecar_names

RAW_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt", ".md", ".markdown", ".text")
RAW_SUFFIXES += tuple(s + ".gz" for s in RAW_SUFFIXES)   # gzip-compressed pages are read too (size-capped)
RAW_SUFFIXES += CONTAINER_SUFFIXES                       # WARC and JSON Lines: many records per file (flows.containers)


@dataclass(frozen=True)
class RawFile:
    source_file: str   # posix path relative to the landing root: the file's identity in the lake
    size: int
    mtime_ns: int
    problem: str | None = None   # set when the file must become a reject without being read
    sidecar: str | None = None   # ``<page>.json`` / ``<page>.meta.json`` beside it (its mtime counts in mtime_ns)
    # a container's records (flows.containers): the first record's source_record, where to seek, how many
    record: int | None = None
    offset: int | None = None
    count: int = 1

    @property
    def key(self) -> str:
        """What ``doc_id`` hashes: the path, or ``path#record`` for a record inside a container."""
        return self.source_file if self.record is None else f"{self.source_file}#{self.record}"


def is_raw_name(name: str) -> bool:
    base = posixpath.basename(name)
    return not base.startswith(".") and base.lower().endswith(RAW_SUFFIXES)


def discover(landing: str) -> Iterator[RawFile]:
    """Yield the landing zone's raw files in a stable order (sorted by relative path)."""
    fs, root = fsspec.core.url_to_fs(landing)
    if fs.protocol in ("file", "local") or "file" in fs.protocol:
        yield from _discover_local(root)
        return
    root = root.rstrip("/")
    found = {path[len(root):].lstrip("/"): info for path, info in sorted(fs.find(root, detail=True).items())
             if info.get("type") == "file"}

    def mtime_of(info) -> int:
        mtime = info.get("LastModified") or info.get("mtime") or 0
        return int(mtime.timestamp() * 1e9) if hasattr(mtime, "timestamp") else int(float(mtime) * 1e9)

    for rel, info in found.items():
        if is_raw_name(rel):
            raw = RawFile(rel, int(info.get("size") or 0), mtime_of(info))
            folder, name = posixpath.split(rel)
            for side in sidecar_names(name):
                side_rel = posixpath.join(folder, side)
                if side_rel in found:
                    raw = RawFile(rel, raw.size, max(raw.mtime_ns, mtime_of(found[side_rel])), sidecar=side_rel)
                    break
            yield raw


def _discover_local(root: str) -> Iterator[RawFile]:
    real_root = os.path.realpath(root)
    if not os.path.isdir(real_root):
        raise FileNotFoundError(f"landing zone {root!r} is not a folder")
    for dirpath, dirnames, filenames in os.walk(real_root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        present = set(filenames)
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, real_root).replace(os.sep, "/")
            if not is_raw_name(rel):
                continue
            if os.path.islink(full):
                target = os.path.realpath(full)
                if os.path.commonpath([target, real_root]) != real_root:
                    # never followed; still accounted for, as a reject
                    yield RawFile(rel, 0, 0, "symlink points outside the landing zone; not followed")
                    continue
            try:
                st = os.stat(full)
            except OSError as exc:
                yield RawFile(rel, 0, 0, f"cannot stat the file ({exc.strerror or exc}); broken symlink?")
                continue
            if not os.path.isfile(full):
                yield RawFile(rel, 0, 0, "not a regular file (device, FIFO or socket)")
                continue
            yield _with_sidecar(RawFile(rel, st.st_size, st.st_mtime_ns), dirpath, name, present)


def _with_sidecar(raw: RawFile, dirpath: str, name: str, present: set[str]) -> RawFile:
    """A page with a sidecar beside it: the sidecar's name, and the later of the two mtimes (so that
    editing only the sidecar makes the page look changed)."""
    for side in sidecar_names(name):
        if side in present:
            full = os.path.join(dirpath, side)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            try:
                mtime = os.stat(full).st_mtime_ns
            except OSError:
                continue
            rel = posixpath.join(posixpath.dirname(raw.source_file), side)
            return RawFile(raw.source_file, raw.size, max(raw.mtime_ns, mtime), raw.problem, sidecar=rel)
    return raw
