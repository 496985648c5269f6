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

RAW_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt", ".md", ".markdown", ".text")
RAW_SUFFIXES += tuple(s + ".gz" for s in RAW_SUFFIXES)   # gzip-compressed pages are read too (size-capped)


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
    for path, info in sorted(fs.find(root, detail=True).items()):
        if info.get("type") != "file":
            continue
        rel = path[len(root):].lstrip("/")
        if is_raw_name(rel):
            mtime = info.get("LastModified") or info.get("mtime") or 0
            mtime_ns = int(mtime.timestamp() * 1e9) if hasattr(mtime, "timestamp") else int(float(mtime) * 1e9)
            yield RawFile(rel, int(info.get("size") or 0), mtime_ns)


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
                yield _stat_entry(broot, relb, rel, name, fd)
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
