"""Find the raw files in a landing zone: a stat per file, no reads.

Never follows a symlink out of the landing zone; skips folders (even one named ``x.html``) and the
hidden files that editors and sync tools leave behind. A name that is not valid UTF-8 is kept,
percent-escaped (``escape_name``); a folder that cannot be listed becomes a reject, never a gap.
"""
from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
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
    # local landing zones: what discovery saw, so the read opens exactly that file (see process.read_raw)
    open_path: bytes | None = None   # relative path to open when not source_file's UTF-8 (odd bytes, a link's target)
    dev: int = 0
    ino: int = 0
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


def escape_name(raw: bytes) -> str:
    """A file name's bytes as ``source_file`` text. Valid UTF-8 stays as it is; in a name that is not
    (GBK bytes written by old tools), ``%`` becomes ``%25`` and each undecodable byte ``%XX``, so the
    name can be stored (UTF-8 only) and turned back into its bytes (``name_bytes``)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", "surrogateescape").replace("%", "%25")
    return "".join(f"%{ord(c) - 0xDC00:02X}" if "\udc80" <= c <= "\udcff" else c for c in text)


_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def name_bytes(source_file: str) -> bytes:
    """The inverse of ``escape_name``: the bytes of the name on disk."""
    if "%" not in source_file:
        return source_file.encode("utf-8")
    raw = _PCT.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)) if int(m.group(1), 16) >= 0x80 else
                   chr(int(m.group(1), 16)), source_file).encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw          # it was escaped: undecodable bytes came back
    return source_file.encode("utf-8")   # a valid name that merely contains '%'


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


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def open_dir(root: bytes, rel: bytes) -> int:
    """A descriptor of the folder ``rel`` under ``root``, opened one component at a time from the
    root's descriptor without following a link (``O_NOFOLLOW | O_DIRECTORY``): a folder swapped for a
    symlink fails here (ELOOP or ENOTDIR), and a path past PATH_MAX opens as well as a short one."""
    fd = os.open(root, _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))   # the root itself may be a link
    try:
        for part in rel.split(b"/"):
            if not part:
                continue
            if part in (b".", b".."):
                raise OSError(errno.EINVAL, "a '.' or '..' component in a landing path")
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def _discover_local(root: str) -> Iterator[RawFile]:
    """Walk through folder descriptors (``open_dir``; links not followed), so deep paths past
    PATH_MAX are walked too and no name is re-resolved from the root. A folder that cannot be
    listed (no permission, vanished) is a reject naming it; so is a file that cannot be stat'ed."""
    real_root = os.path.realpath(root)
    if not os.path.isdir(real_root):
        raise FileNotFoundError(f"landing zone {root!r} is not a folder")
    broot = os.fsencode(real_root)
    stack = [b""]
    while stack:
        base = stack.pop()
        try:
            fd = open_dir(broot, base)
            try:
                entries = sorted((os.fsencode(e.name), e.is_dir(follow_symlinks=False)) for e in os.scandir(fd))
            finally:
                os.close(fd)
        except OSError as exc:
            if not base:   # the landing zone itself: the run cannot proceed
                raise PermissionError(f"cannot list the landing zone {root!r}: {exc.strerror or exc}") from None
            yield RawFile(escape_name(base) + "/", 0, 0,
                          f"cannot list the folder ({exc.strerror or exc}); its files were not read")
            continue
        subdirs = []
        fd = None
        present = {n for n, d in entries if not d}
        try:
            for name, is_dir in entries:
                if name.startswith(b"."):
                    continue
                relb = base + b"/" + name if base else name
                if is_dir:
                    subdirs.append(relb)
                    continue
                rel = escape_name(relb)
                if not is_raw_name(rel):
                    continue
                if fd is None:
                    try:
                        fd = open_dir(broot, base)
                    except OSError as exc:
                        yield RawFile(rel, 0, 0, f"cannot open its folder ({exc.strerror or exc})")
                        continue
                yield _with_sidecar(_stat_entry(broot, relb, rel, name, fd), fd, name, present)
        finally:
            if fd is not None:
                os.close(fd)
        stack.extend(reversed(subdirs))


def _stat_entry(broot: bytes, relb: bytes, rel: str, name: bytes, dirfd: int) -> RawFile:
    odd = None if rel.encode("utf-8", "surrogatepass") == relb else relb
    try:
        st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
    except OSError as exc:
        return RawFile(rel, 0, 0, f"cannot stat the file ({exc.strerror or exc})")
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.path.realpath(os.path.join(broot, relb))
        except OSError as exc:
            return RawFile(rel, 0, 0, f"cannot resolve the symlink ({exc.strerror or exc}); not followed")
        if target != broot and not target.startswith(broot + b"/"):
            # never followed; still accounted for, as a reject
            return RawFile(rel, 0, 0, "symlink points outside the landing zone; not followed")
        try:
            st = os.stat(target, follow_symlinks=False)
        except OSError as exc:
            return RawFile(rel, 0, 0, f"cannot stat the file ({exc.strerror or exc}); broken symlink?")
        odd = target[len(broot):].lstrip(b"/")   # read the target discovery resolved, nothing else
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            return RawFile(rel, 0, 0, "a symlink to a folder, not a file; not followed")
        return RawFile(rel, 0, 0, "not a regular file (device, FIFO or socket); not read")
    return RawFile(rel, st.st_size, st.st_mtime_ns, open_path=odd, dev=st.st_dev, ino=st.st_ino)


def _with_sidecar(raw: RawFile, dirfd: int, name: bytes, present: set[bytes]) -> RawFile:
    """A page with a sidecar beside it (``<page>.json`` / ``<page>.meta.json``): the sidecar's name,
    and the later of the two mtimes (so that editing only the sidecar makes the page look changed).
    The sidecar is stat'ed through the folder's descriptor, without following a link."""
    if raw.problem:
        return raw
    for side in sidecar_names(os.fsdecode(name)):
        sb = os.fsencode(side)
        if sb not in present:
            continue
        try:
            st = os.stat(sb, dir_fd=dirfd, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        rel = posixpath.join(posixpath.dirname(raw.source_file), escape_name(sb))
        return RawFile(raw.source_file, raw.size, max(raw.mtime_ns, st.st_mtime_ns), raw.problem,
                       open_path=raw.open_path, dev=raw.dev, ino=raw.ino, sidecar=rel)
    return raw
