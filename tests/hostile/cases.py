"""Builds every hostile or broken raw file in a folder (nothing big is committed).

``EXPECT`` says where each file must end: ("article", check) or ("reject", stage, words in the reason).
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

P_ZH = "这是一段正常的新闻正文，内容足够长，包含标点符号。记者在现场进行了采访，事件仍在发展之中。"
P_TW = "這是一段正常的新聞正文，內容足夠長，包含標點符號。記者在現場進行了採訪，事件仍在發展之中。"
HTML = "<html><head><title>{title}</title></head><body><div class='content'>{body}</div></body></html>"


def html(paras: str, head: str = "", title: str = "测试页面") -> str:
    return HTML.replace("<head>", "<head>" + head).format(title=title, body=paras)


def md(front: str, body: str = P_ZH * 3) -> bytes:
    return f"---\n{front}\n---\n\n{body}\n\n{body}\n".encode()


def build(root: Path, outside: Path) -> dict[str, bytes | None]:
    """Write the cases under ``root``; ``outside`` is a folder next to it (symlink targets)."""
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    page = html(f"<p>{P_ZH}</p>" * 4).encode()
    files: dict[str, bytes] = {
        "empty.html": b"",
        "blank.md": b"  \n\t \r\n ",
        "image.html": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
        "report.html": b"%PDF-1.7\n" + bytes(range(256)) * 20,
        "archive.txt": b"PK\x03\x04" + bytes(range(256)) * 20,
        "nul-heavy.txt": ("正文" + "\x00" * 40) .encode() * 50,
        "few-nul.html": html(f"<p>{P_ZH}</p>" * 3 + "\x00\x00" + f"<p>{P_ZH}</p>").encode(),
        "gbk-undeclared.html": html(f"<p>{P_ZH}</p>" * 4).encode("gbk"),
        "gb18030-dump.txt": ("导航\n首页\n" + "\n".join([P_ZH] * 4) + "\n相关文章\n另一篇文章的标题\n").encode("gb18030"),
        "big5.html": html(f"<p>{P_TW}</p>" * 4, '<meta charset="big5">', title="測試頁面").encode("big5"),
        "wrong-meta.html": html(f"<p>{P_ZH}</p>" * 4, '<meta charset="utf-8">').encode("gbk"),
        "bom.md": b"\xef\xbb\xbf" + md('title: "BOM 开头的页面"'),
        "crlf.txt": ("\r\n".join(["首页", "新闻"] + [P_ZH] * 4) + "\r\n").encode(),
        "bad-bytes.html": page.replace(P_ZH[:2].encode(), b"\xff\xfe", 1),
        "fm-invalid.md": md('title: [unclosed\ndate: "2025-01-01'),
        "fm-types.md": md('title: ["第一个标题", "第二个"]\ntags: 3\ndate: "not a date"\nunknown: {a: 1}'),
        "fm-unclosed.md": f"---\ntitle: 没有结束的前言\n\n{P_ZH * 3}\n".encode(),
        "scripts-only.html": b"<html><head><script>var a = 1;</script><style>p {}</style></head><body><script>go()</script></body></html>",
        "truncated.html": html(f"<p>{P_ZH}</p>" * 4).encode()[:-40] + b'<div class="a',
        "deep.html": ("<html><body>" + "<div>" * 100_000 + f"<p>{P_ZH}</p>" + "</div>" * 100_000 + "</body></html>").encode(),
        "one-line.txt": ("这是一段很长的文字，没有换行。" * 150_000).encode(),   # ~6 MB on one line
        "page.html.gz": gzip.compress(page),
        "bomb.html.gz": gzip.compress(b"<html><body>" + b"a" * (80 * 1024 * 1024)),
        "odd name & 空格 'q'.md": md('title: "奇怪的文件名"'),
        "copy-a.md": md('title: "同一篇文章"'),
        "copy-b.md": md('title: "同一篇文章"'),
        "evil.md": md('title: "x\'); DROP TABLE articles; --"\nurl: "../../outside"\nsite: "../../outside"\n'
                      'categories: ["../../outside", "x\'); DROP TABLE articles; --"]'),
        "sub/folder.html/inner.md": md('title: "文件夹里的页面"'),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with open(root / "huge-40mb.html", "wb") as fh:   # over limits.max_file_bytes
        fh.write(b"<html><body>" + b"<p>" + b"x" * (40 * 1024 * 1024) + b"</p></body></html>")
    secret = outside / "secret.html"
    secret.write_bytes(page)
    os.symlink(secret, root / "link-out.html")
    os.symlink(root / "gbk-undeclared.html", root / "link-in.html")
    return files


EXPECT = {
    "empty.html": ("reject", "read", "empty"),
    "blank.md": ("reject", "read", "empty"),
    "image.html": ("reject", "decode", "PNG"),
    "report.html": ("reject", "decode", "PDF"),
    "archive.txt": ("reject", "decode", "zip"),
    "nul-heavy.txt": ("reject", "decode", "NUL"),
    "few-nul.html": ("article", P_ZH),
    "gbk-undeclared.html": ("article", P_ZH),
    "gb18030-dump.txt": ("article", P_ZH),
    "big5.html": ("article", P_TW),
    "wrong-meta.html": ("article", P_ZH),
    "bom.md": ("article", P_ZH),
    "crlf.txt": ("article", P_ZH),
    "bad-bytes.html": ("article", P_ZH[2:]),
    "fm-invalid.md": ("article", P_ZH),
    "fm-types.md": ("article", P_ZH),
    "fm-unclosed.md": ("article", P_ZH),
    "scripts-only.html": ("reject", "extract", "no article text"),
    "truncated.html": ("article", P_ZH),
    "deep.html": ("article", P_ZH),
    "one-line.txt": ("article", "这是一段很长的文字"),
    "page.html.gz": ("article", P_ZH),
    "bomb.html.gz": ("reject", "read", "limits.max_decompressed_bytes"),
    "huge-40mb.html": ("reject", "read", "limits.max_file_bytes"),
    "link-out.html": ("reject", "read", "symlink points outside the landing zone"),
    "link-in.html": ("article", P_ZH),
    "odd name & 空格 'q'.md": ("article", P_ZH),
    "copy-a.md": ("article", P_ZH),
    "copy-b.md": ("article", P_ZH),
    "evil.md": ("article", P_ZH),
    "sub/folder.html/inner.md": ("article", P_ZH),
}
