"""URLs: normalise, derive the (path-safe) site, recognise a source-link line."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_WS = re.compile(r"\s+")
# A line that is nothing but one Markdown link: [text](url) or [text](url "title").
_LINK_LINE = re.compile(r"^\s*\[([^\[\]\n]{0,40})\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)\s*$")
_MAX_LINK_TEXT = 30
# Link texts of site furniture (footer, "more" links), never a source attribution.
_FURNITURE = re.compile(
    r"更多|more|>>|»|广告|廣告|advertis|关于|關於|about|联系|聯繫|contact|版权|版權|copyright|rights|powered|招聘|"
    r"隐私|隱私|privacy|帮助|幫助|help|网站地图|sitemap|site\s*map|首页|首頁|home|登录|登入|login|sign\s*in|注册|register|"
    r"订阅|訂閱|subscribe|返回|back|top|下一页|上一页|next|prev|投稿|反馈|feedback|terms|条款|免责|disclaimer|rss",
    re.I)


def _host(raw_host: str) -> str | None:
    host = raw_host.strip().rstrip(".").lower()
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if _IPV4.match(host):
        return host if all(0 <= int(p) <= 255 for p in host.split(".")) else None
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253:
        return None
    if not all(_LABEL.match(lb) for lb in labels):
        return None
    if labels[-1].isdigit():  # 1.2.3 is neither a name nor an IPv4 address
        return None
    return host


def normalize_url(url) -> str | None:
    """An absolute http(s) URL with a valid host, normalised; anything else -> None.

    Normalised: scheme and host lower-cased (host IDNA-encoded), default port and fragment dropped,
    an empty path becomes ``/``. Path and query are kept as they are (they are case-sensitive).
    """
    if not isinstance(url, str):
        return None
    url = _WS.sub("", url.strip().strip("<>\"'"))  # stray whitespace/newlines inside attribute values
    if url.startswith("//"):
        return None  # protocol-relative: we do not know the scheme
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    if parts.username is not None or parts.password is not None:
        return None
    host = _host(parts.hostname or "")
    if host is None:
        return None
    netloc = host
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def site_of(url) -> str | None:
    """Lower-cased host (IDNA ASCII, only [a-z0-9.-]); safe as a directory name. None if no host."""
    norm = normalize_url(url)
    if norm is None:
        return None
    host = urlsplit(norm).hostname or ""
    if not host or not re.fullmatch(r"[a-z0-9.-]+", host) or host.startswith(".") or ".." in host:
        return None
    return host


def source_link(line: str) -> str | None:
    """If ``line`` is only a Markdown link with short text, its (normalised) URL."""
    if not isinstance(line, str):
        return None
    m = _LINK_LINE.match(line)
    if not m:
        return None
    text = m.group(1).strip()
    if len(text) > _MAX_LINK_TEXT or text.startswith("!") or _FURNITURE.search(text):
        return None
    url = normalize_url(m.group(2))
    if url is None:
        return None
    path = urlsplit(url).path
    if path in ("", "/") or re.fullmatch(r"/(?:index|default|home)\.\w+", path, re.I):
        return None  # a site's home page is not the source of one article
    return url
