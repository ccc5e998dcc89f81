"""Plain HTTP/1.x requests, parsed once and quickly, into the environ gunicorn would build.

gunicorn's parser is pure Python and makes every check HTTP allows; for a cheap query it cost
about as much as the whole ``/sparql`` app. Most requests are plain: a request line of visible
ASCII, header lines each a token, a colon and visible ASCII, and none of what needs gunicorn's
care (transfer codings, upgrades, an expectation other than 100-continue, scheme headers from a
proxy, names with underscores, repeated Host or Content-Type or Content-Length, a body that is
not exactly Content-Length long, gunicorn's limits reached). Those are parsed here in a few
microseconds; anything else is left to gunicorn's parser, which answers it or says what is wrong
(400, 414, 417, 431). :mod:`icskg.web.worker` uses both.
"""

from __future__ import annotations

import io
import os
from typing import Any

from gunicorn.http.wsgi import base_environ
from gunicorn.util import unquote_to_wsgi_str

METHODS = frozenset({b"GET", b"HEAD", b"POST", b"OPTIONS", b"PUT", b"DELETE", b"PATCH"})
VERSIONS = {b"HTTP/1.1": (1, 1), b"HTTP/1.0": (1, 0)}
VISIBLE = bytes(range(0x21, 0x7F))
TARGET = VISIBLE.replace(b"#", b"")  # a path and query, without a fragment
TOKEN = bytes(c for c in VISIBLE if chr(c).isalnum() or chr(c) in "!#$%&'*+-.^`|~")  # no "_"
HEAD = VISIBLE + b" \t\r\n"  # what a head may hold (line ends are checked apart)
LEFT_TO_GUNICORN = frozenset({"TRANSFER-ENCODING", "UPGRADE", "HTTP2-SETTINGS"})
SINGLETONS = frozenset({"HOST", "CONTENT-TYPE", "CONTENT-LENGTH"})


class PlainRequest:
    """What gunicorn's response and error page read of a request, and the request's environ."""

    __slots__ = ("body", "close", "environ", "headers", "method", "query", "uri", "version")

    def should_close(self) -> bool:
        return self.close


class Parser:
    """Plain requests for one worker's settings (gunicorn's ``cfg``)."""

    def __init__(self, cfg: Any) -> None:
        self.enabled = cfg.proxy_protocol == "off" and not cfg.is_ssl and not os.environ.get("SCRIPT_NAME")
        self.refused = LEFT_TO_GUNICORN | set(cfg.secure_scheme_headers)
        self.max_line = cfg.limit_request_line or 1 << 20
        self.max_fields = cfg.limit_request_fields or 1 << 20
        self.max_field = cfg.limit_request_field_size or 1 << 20
        # header names met: upper-cased, their environ key, whether gunicorn must parse the request
        self.names: dict[bytes, tuple[str, str, bool]] = {}
        self.base = {**base_environ(cfg), "wsgi.multithread": True, "wsgi.url_scheme": "http",
                     "SCRIPT_NAME": ""}

    def parse(self, data: bytes, client: Any, server: Any) -> PlainRequest | None:
        """The request in ``data`` (all of it, head and body), or None if it is not plain."""
        if not (self.enabled and isinstance(server, tuple) and isinstance(client, tuple)):
            return None
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:  # a head past gunicorn's limits, say
            return None
        head = data[:head_end]
        ends = head.count(b"\r\n")
        if head.translate(None, HEAD) or head.count(b"\r") != ends or head.count(b"\n") != ends:
            return None
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if (len(parts) != 3 or parts[0] not in METHODS or parts[2] not in VERSIONS
                or not parts[1].startswith(b"/") or parts[1].translate(None, TARGET)
                or len(lines[0]) > self.max_line or len(lines) > self.max_fields + 1):
            return None
        environ = dict(self.base)
        close = None
        seen = set()
        names = self.names
        for text in lines[1:]:
            raw, colon, value = text.partition(b":")
            known = names.get(raw)
            if known is None:
                if not raw or raw.translate(None, TOKEN):
                    return None
                name = raw.decode().upper()
                known = (name, "HTTP_" + name.replace("-", "_"), name in self.refused)
                if len(names) < 1024:
                    names[raw] = known
            name, key, refused = known
            if refused or not colon or len(text) + 2 > self.max_field:
                return None
            value = value.strip(b" \t").decode()
            if name in SINGLETONS:
                if name in seen:
                    return None
                seen.add(name)
            if name == "EXPECT" and value.lower() != "100-continue":
                return None
            if name == "CONNECTION" and close is None:
                token = value.lower()
                close = True if token == "close" else False if token == "keep-alive" else None
            if name == "CONTENT-TYPE":
                environ["CONTENT_TYPE"] = value
            elif name == "CONTENT-LENGTH":
                environ["CONTENT_LENGTH"] = value
            else:
                environ[key] = environ[key] + "," + value if key in environ else value
        body = data[head_end + 4:]
        length = environ.get("CONTENT_LENGTH", "0")
        if not (length.isdigit() and int(length) == len(body)):
            return None
        request = PlainRequest()
        request.method, request.uri = parts[0].decode(), parts[1].decode()
        request.version = VERSIONS[parts[2]]
        path, _, request.query = request.uri.partition("?")
        if path.startswith("//"):
            return None
        request.close = request.version < (1, 1) if close is None else close
        request.headers = []
        request.body = io.BytesIO(body)
        environ.update({
            "wsgi.input": request.body, "REQUEST_METHOD": request.method, "QUERY_STRING": request.query,
            "RAW_URI": request.uri, "SERVER_PROTOCOL": parts[2].decode(),
            "REMOTE_ADDR": client[0], "REMOTE_PORT": str(client[1]),
            "SERVER_NAME": server[0], "SERVER_PORT": str(server[1]),
            "PATH_INFO": unquote_to_wsgi_str(path) if "%" in path else path,
        })
        request.environ = environ
        return request
