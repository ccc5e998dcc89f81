"""A gunicorn worker whose threads only ever see whole requests, at little cost per request.

gunicorn's threaded worker hands a connection to a thread as soon as its first byte arrives; the
thread then reads the rest of the request, so a client that sends a header line or a body byte
every few seconds holds a thread for as long as it likes, and ten such clients took every
thread. Here the worker's event loop reads each request (head and body, up to the body limit)
without a thread, and hands a thread only a request that has fully arrived; a client that has not
sent its whole request within ``request_seconds`` is disconnected, and one that reads nothing of
its answer for as long is dropped. Slow clients then cost a socket each, not a thread.

Each client address may have at most ``client_slots`` queries, downloads and validations
(``LANED`` paths) in the threads of a worker at once; past that it is answered 503 at once from
the event loop. So a client sending many long queries or downloads holds a bounded lane, and the
other threads (and query processes) stay free for everyone else; pages and static files are not
counted. Behind a reverse proxy every client has the proxy's address: set
``ICSKG_CLIENT_SLOTS=0`` there and limit per client in the proxy.

What a request costs the server is kept small, as a cheap query costs the engine a tenth of a
millisecond: the event loop wakes once per request (a connection is armed for one readable event
at a time, and the thread that answered re-arms it itself, with no hand-back through the loop);
the thread takes the request from a plain queue, has gunicorn parse it from the bytes already
read, sends the head with the first body bytes in one write, and appends the access line to a
buffer the loop writes out about once a second. gunicorn's arbiter still replaces a worker whose
loop stops (``worker_timeout``).

A core that sleeps between requests wakes slowly, most of all on a virtual machine: the same
lookup takes the engine 85 us when the core stays busy and 230 us after a 0.3 ms sleep. So a
thread that has answered, when no other thread of the worker is serving, watches for the next
request for up to ``spin_seconds`` (giving the core to anything else that can run) before it
sleeps; it does so only while recent requests came within that time, so a server whose requests
come further apart sleeps at once and costs no CPU waiting.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading
import time
from collections import deque
from datetime import datetime
from email.utils import formatdate
from typing import Any

from gunicorn.http import wsgi
from gunicorn.http.errors import NoMoreData
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader
from gunicorn.http.wsgi import HEADER_VALUE_RE, Response
from gunicorn.workers.base import Worker

from icskg.web.plain import Parser

HEAD_END = b"\r\n\r\n"
LANED = (b"/sparql", b"/download", b"/validate", b"/compliance")
MAX_HEAD = 64 * 1024  # a head with no end within this is answered 431


def _answer(status: bytes, text: bytes, headers: bytes = b"") -> bytes:
    """A whole answer in plain text, closing the connection."""
    return (b"HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n%sConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (status, headers, len(text), text))


HEAD_TOO_LONG = _answer(b"431 Request Header Fields Too Large",
                        b"431 The request's line and headers run past 64 KB without an end.\n")
JOINED = 64 * 1024  # a body shorter than this is joined to the head (a copy costs less than a call)
READABLE = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLONESHOT
LOG_SECONDS = 1.0  # how long an access line may wait in the buffer


class _Request:
    """The bytes of one request read so far, and where the request ends once it has all come."""

    def __init__(self, max_body: int) -> None:
        self.data = bytearray()
        self.max_body = max_body
        self.head_end = -1
        self.length = 0
        self.chunked = False
        self.continued = False
        self.scanned = -1  # chunked: where the next chunk-size line starts
        self.end = -1  # where the request ends (the next one may follow on the connection)

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if self.head_end < 0:
            end = self.data.find(HEAD_END)
            if end < 0:
                return
            self.head_end = self.scanned = end + len(HEAD_END)
            head = bytes(self.data[:end]).lower()
            if b"content-length" in head or b"transfer-encoding" in head or b"expect" in head:
                for line in head.split(b"\r\n")[1:]:  # (most requests have none: no body)
                    name, _, value = line.partition(b":")
                    name, value = name.strip(), value.strip()
                    if name == b"content-length" and value.isdigit():
                        self.length = int(value)
                    elif name == b"transfer-encoding" and b"chunked" in value:
                        self.chunked = True
                    elif name == b"expect" and b"100-continue" in value:
                        self.continued = True
        self._find_end()

    def _find_end(self) -> None:
        if self.end >= 0:
            return
        if not self.chunked:
            if len(self.data) - self.head_end >= self.length:
                self.end = self.head_end + self.length
            return
        while True:  # chunk-size line, data, CRLF; a last chunk of size 0, trailers, CRLF
            line_end = self.data.find(b"\r\n", self.scanned)
            if line_end < 0:
                return
            size = bytes(self.data[self.scanned:line_end]).split(b";")[0].strip()
            try:
                length = int(size, 16)
            except ValueError:  # gunicorn's parser says what is wrong with it
                self.end = len(self.data)
                return
            if length == 0:
                trailers = self.data.find(b"\r\n\r\n", line_end)
                if line_end + 2 <= len(self.data) and self.data.startswith(b"\r\n", line_end + 2):
                    self.end = line_end + 4
                elif trailers >= 0:
                    self.end = trailers + 4
                return
            if len(self.data) < line_end + 2 + length + 2:
                return
            self.scanned = line_end + 2 + length + 2

    @property
    def expects_continue(self) -> bool:
        return self.continued and self.head_end >= 0 and len(self.data) == self.head_end

    @property
    def whole(self) -> bool:
        """A whole request has arrived, or more than the app would read anyway (it answers)."""
        if self.head_end < 0:
            return len(self.data) > MAX_HEAD
        return self.end >= 0 or len(self.data) - self.head_end > self.max_body

    def take(self) -> bytes:
        """The request's bytes; what follows them (a pipelined request) stays."""
        end = self.end if self.end >= 0 else len(self.data)
        taken = bytes(self.data[:end])
        rest = self.data[end:]
        self.__init__(self.max_body)
        if rest:
            self.add(bytes(rest))
        return taken


class _Conn:
    """A client connection. It is armed for one readable event at a time: the thread that takes
    the event owns the connection until it arms it again or closes it."""

    __slots__ = ("address", "client", "deadline", "draining", "fd", "lane", "late", "owned", "request",
                 "served", "server", "sock")

    def __init__(self, sock: socket.socket, client: Any, server: Any, max_body: int) -> None:
        self.sock, self.fd, self.client, self.server = sock, sock.fileno(), client, server
        self.address = client[0] if isinstance(client, tuple) else client
        self.request = _Request(max_body)
        self.deadline = 0.0
        self.owned = False  # a thread has it
        self.late = False  # past its deadline: the thread that next takes it closes it
        self.draining = False  # answered for the last time: what the client still sends is dropped
        self.served = 0
        self.lane: Any = None


class _Out:
    """Where a response is written: the head waits for the first body bytes, so that a small
    answer leaves in one write; a client that takes nothing for ``seconds`` is dropped."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.sock, self.seconds = sock, seconds
        self.head: bytes | None = None
        self.started = False

    def gettimeout(self) -> float:  # gunicorn's error writer asks
        return 0.0

    def sendall(self, data: bytes) -> None:
        if not self.started:
            self.started = True
            self.head = bytes(data)
            return
        if self.head is not None:
            head, self.head = self.head, None
            if len(data) < JOINED:
                self._send(head + data)
            else:
                self._send_both(head, data)
            return
        self._send(data)

    send = sendall

    def _send_both(self, head: bytes, data: bytes) -> None:
        """The head and a large body in one call, without a copy of the body joined to the head."""
        try:
            sent = self.sock.sendmsg([head, data])
        except (BlockingIOError, InterruptedError):
            sent = 0
        if sent < len(head):
            self._send(head[sent:])
            sent = len(head)
        self._send(memoryview(data)[sent - len(head):])

    def flush(self) -> None:
        if self.head is not None:
            data, self.head = self.head, None
            self._send(data)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> None:
        """What gunicorn calls for a file answer: the head, then the file by ``sendfile(2)``."""
        self.flush()
        if count is None:
            count = os.fstat(file.fileno()).st_size - offset
        while count > 0:
            try:
                sent = os.sendfile(self.sock.fileno(), file.fileno(), offset, count)
            except (BlockingIOError, InterruptedError):
                self._writable()
                continue
            if not sent:  # the file is shorter than it was
                return
            offset, count = offset + sent, count - sent

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view):]
            except (BlockingIOError, InterruptedError):
                self._writable()

    def _writable(self) -> None:
        poller = select.poll()
        poller.register(self.sock, select.POLLOUT)
        if not poller.poll(self.seconds * 1000):
            raise TimeoutError("the client read nothing of its answer")


class _Response(Response):
    """gunicorn's response, the same bytes on the wire for less work a request: a header name is
    checked once per worker (an app sends few distinct ones), and so is a whole header that
    answers repeat (the security headers, Content-Type, Vary...; other values are checked every
    time), the Date is made once a second, and the head is put together in one join."""

    def process_headers(self, headers: list[tuple[str, str]]) -> None:
        for header in headers:
            if type(header) is tuple and header in _HEADERS:
                self.headers.append(header)
                continue
            name, value = header
            lname = _NAMES.get(name)
            if lname is None or not isinstance(value, str) or not HEADER_VALUE_RE.fullmatch(value):
                super().process_headers(((name, value),))  # raises as gunicorn does, or adds it
                lname = name.lower()
                if lname not in HOP_HEADERS and len(_NAMES) < 256 and name.strip() == name:
                    _NAMES[name] = lname  # a valid name, not hop-by-hop (else it was raised or left out)
                continue
            stripped = value.strip(" \t")
            if lname == "content-length":
                self.response_length = int(stripped)
            elif stripped is value and lname not in VARYING:
                if len(_HEADERS) >= 512:  # (a bound; what answers repeat comes back at once)
                    _HEADERS.clear()
                _HEADERS.add((name, value))
            self.headers.append((name, stripped))

    def is_chunked(self) -> bool:
        if self.response_length is not None:  # (gunicorn's asks the config first, at some cost)
            return False
        return super().is_chunked()

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        connection = "upgrade" if self.upgrade else "close" if self.should_close() else "keep-alive"
        version = self.req.version
        head = [f"HTTP/{version[0]}.{version[1]} {self.status}\r\nServer: {self.version}\r\n"
                f"Date: {_http_date()}\r\nConnection: {connection}\r\n"]
        if self.chunked:
            head.append("Transfer-Encoding: chunked\r\n")
        head.extend([f"{name}: {value}\r\n" for name, value in self.headers])
        head.append("\r\n")
        self.sock.sendall("".join(head).encode("latin-1"))
        self.headers_sent = True


_NAMES: dict[str, str] = {}  # response header names found valid and not hop-by-hop: lower-cased
_HEADERS: set[tuple[str, str]] = set()  # whole headers found valid, not hop-by-hop, nothing to strip
VARYING = frozenset(("etag", "content-length", "location", "x-icskg-limit"))  # not worth keeping
HOP_HEADERS = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                         "trailers", "transfer-encoding", "upgrade", "server", "date"))


class BufferingWorker(Worker):
    """A gunicorn worker whose threads take whole requests from a shared event set (see the module)."""

    request_seconds = 10.0
    max_body = 1_000_000
    client_slots = 2
    spin_seconds = 0.0002
    BUSY_TEXT = b"503 Too many requests from your address at once; wait for an answer before asking more.\n"
    BUSY = _answer(b"503 Service Unavailable", BUSY_TEXT, b"Retry-After: 2\r\n")

    def init_process(self) -> None:
        self.events = select.epoll()
        self.conns: dict[int, _Conn] = {}
        self.lock = threading.Lock()  # who owns a connection; the lanes
        self.in_threads: dict[str, int] = {}  # laned requests in the threads, by client address
        self.log_lines: deque[str] = deque()
        self.listeners: dict[int, socket.socket] = {}
        self.listening = True
        self.wake_read, self.wake_write = os.pipe()
        self.plain = Parser(self.cfg)
        self.keepalive = self.cfg.keepalive  # (gunicorn's config answers each read through __getattr__)
        self.serving = 0  # threads answering a request
        self.spinner = threading.Lock()  # held by the thread watching for requests without sleeping
        self.spin_pays = False  # the last wait for a request was shorter than spin_seconds
        super().init_process()

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.alive = False
        try:
            os.write(self.wake_write, b"\0")
        except OSError:
            pass

    # The main thread: the arbiter's heartbeat, deadlines, the access log -------------------------

    def run(self) -> None:
        for listener in self.sockets:
            listener.setblocking(False)
            self.listeners[listener.fileno()] = listener
            self.events.register(listener.fileno(), READABLE)
        for _ in range(self.cfg.threads):
            threading.Thread(target=self._serve_events, daemon=True).start()
        while self.alive:
            self.notify()
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
            self._flush_log()
            self._expire(time.monotonic())
            select.select([self.wake_read], [], [], LOG_SECONDS)
        self._stop()

    def _expire(self, now: float) -> None:
        """Disconnect clients past their time to send a request (or to send the next one): the
        socket is shut, so the thread that takes its event closes it."""
        with self.lock:
            late = [c for c in self.conns.values() if not c.owned and not c.late and c.deadline < now]
            for conn in late:
                conn.late = True
        for conn in late:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _flush_log(self) -> None:
        lines = []
        while self.log_lines:
            lines.append(self.log_lines.popleft())
        if lines:
            try:
                os.write(1, "".join(lines).encode("utf-8", "replace"))
            except OSError:
                pass

    def _stop(self) -> None:
        """No new connections; the requests in the threads are answered within the graceful time."""
        with self.lock:
            self.listening = False
            for fd, listener in self.listeners.items():
                self.events.unregister(fd)
                listener.close()
        self._expire(float("inf"))  # idle and half-sent connections
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while self.conns and time.monotonic() < deadline:
            self.notify()
            time.sleep(0.05)
        self._flush_log()

    # The threads: each waits for one event, and answers a request that has fully arrived ---------

    def _serve_events(self) -> None:
        while True:
            try:
                events = self._next_events()
            except InterruptedError:
                continue
            except (OSError, ValueError):  # closed at exit
                return
            for fd, _ in events:
                if fd in self.listeners:
                    self._accept(fd)
                    continue
                with self.lock:
                    conn = self.conns.get(fd)
                    if conn is None or conn.owned:
                        continue
                    conn.owned = True
                    self.serving += 1
                try:
                    if conn.late:
                        self._close(conn)
                    elif conn.draining:
                        self._drain(conn)
                    else:
                        self._on_bytes(conn)
                except Exception:  # a fault here must not cost the worker a thread
                    self.log.exception("Error serving a connection")
                    self._close(conn)
                finally:
                    with self.lock:
                        self.serving -= 1

    def _next_events(self) -> list[tuple[int, int]]:
        """The next event for this thread: watched for without sleeping for up to
        ``spin_seconds`` by one idle thread while requests come that close together (see the
        module), else waited for asleep."""
        window = self.spin_seconds
        if window and self.spin_pays and not self.serving and self.spinner.acquire(blocking=False):
            try:
                until = time.perf_counter() + window
                while not (events := self.events.poll(0, 1)):
                    if self.serving:  # another thread took a request: this one may sleep
                        break
                    if time.perf_counter() > until:
                        self.spin_pays = False
                        break
                    os.sched_yield()  # anything else that can run comes first
                else:
                    return events
            finally:
                self.spinner.release()
        slept = time.perf_counter()
        events = self.events.poll(-1, 1)
        if window:
            self.spin_pays = time.perf_counter() - slept < window
        return events

    def _accept(self, fd: int) -> None:
        listener = self.listeners.get(fd)
        while listener is not None and len(self.conns) < self.worker_connections:
            try:
                sock, client = listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                break
            except OSError:  # closed at exit
                return
            sock.setblocking(False)
            conn = _Conn(sock, client, listener.getsockname(), self.max_body)
            conn.deadline = time.monotonic() + self.request_seconds
            with self.lock:
                self.conns[conn.fd] = conn
            self.events.register(conn.fd, READABLE)
        self._listen()

    def _listen(self) -> None:
        """Arm the listeners for the next connection, unless the worker is full (another worker
        then takes it) or stopping."""
        with self.lock:
            if self.listening and len(self.conns) < self.worker_connections:
                for fd in self.listeners:
                    self.events.modify(fd, READABLE)

    @property
    def worker_connections(self) -> int:
        return self.cfg.worker_connections

    def _on_bytes(self, conn: _Conn) -> None:
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            self._arm(conn)
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client went away
            self._close(conn)
            return
        request = conn.request
        if not request.data:  # a new request on a kept-alive connection: it has this long
            conn.deadline = time.monotonic() + self.request_seconds
        request.add(chunk)
        if request.expects_continue:
            try:
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                pass
        while request.whole:
            if request.head_end < 0:  # no end to the head within 64 KB
                self._refuse(conn, HEAD_TOO_LONG)
                return
            if not self._admit(conn):
                return
            cut = request.end < 0  # the body is over the limit: the rest is never read
            keep = self._serve(conn, request.take())
            if not keep or cut or not self.alive:
                self._finish(conn)
                return
            conn.served += 1
            conn.deadline = time.monotonic() + (self.request_seconds if request.data else self.keepalive)
        self._arm(conn)

    def _finish(self, conn: _Conn) -> None:
        """Close after the last answer without losing it: a close with unread bytes from the client
        (the rest of a body over the limit, say) would reset the connection, and the client might
        not see the answer. So the server's side is shut and what still comes is read and dropped,
        for a second at most."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.draining = True
        conn.deadline = time.monotonic() + 1.0
        self._arm(conn)

    def _drain(self, conn: _Conn) -> None:
        try:
            for _ in range(16):  # a turn for the other connections between 1 MB
                if not conn.sock.recv(65536):
                    break
            else:
                self._arm(conn)
                return
        except (BlockingIOError, InterruptedError):
            self._arm(conn)
            return
        except OSError:
            pass
        self._close(conn)

    def _arm(self, conn: _Conn) -> None:
        conn.owned = False
        try:
            self.events.modify(conn.fd, READABLE)
        except OSError:
            conn.owned = True
            self._close(conn)

    def _admit(self, conn: _Conn) -> bool:
        """Whether the client has a lane free for this request; if not, it is answered 503."""
        conn.lane = None
        if not self.client_slots:
            return True
        data = conn.request.data
        line_end = data.find(b"\r\n")
        target = data.find(b" ", 0, line_end) + 1  # the request line's second word
        if not (target and data.startswith(LANED, target, line_end)):
            return True
        with self.lock:
            held = self.in_threads.get(conn.address, 0)
            if held < self.client_slots:
                self.in_threads[conn.address] = held + 1
                conn.lane = conn.address
                return True
        self._refuse(conn, self.BUSY)
        return False

    def _refuse(self, conn: _Conn, answer: bytes) -> None:
        """Answer ``answer`` and close (it says so)."""
        try:
            conn.sock.settimeout(1)
            conn.sock.sendall(answer)
            conn.sock.setblocking(False)
        except OSError:
            self._close(conn)
            return
        self._finish(conn)

    def _close(self, conn: _Conn) -> None:
        with self.lock:
            if self.conns.get(conn.fd) is conn:
                del self.conns[conn.fd]
        try:
            conn.sock.close()  # and out of the event set
        except OSError:
            pass
        self._listen()

    def _serve(self, conn: _Conn, data: bytes) -> bool:
        """Answer one request; whether the connection may carry another."""
        out = _Out(conn.sock, self.request_seconds)
        req = None
        try:
            req = self.plain.parse(data, conn.client, conn.server)
            if req is not None:
                resp, environ = _Response(req, out, self.cfg), req.environ
                environ["gunicorn.socket"] = out
            else:  # not plain: gunicorn's parser reads it, or says what is wrong with it
                req = Request(self.cfg, IterUnreader((data,)), conn.client, conn.served + 1)
                req._expected_100_continue = False  # answered when its head came
                resp, environ = wsgi.create(req, out, conn.client, conn.server, self.cfg)
                environ["wsgi.multithread"] = True
            return self._respond(resp, environ, out)
        except (NoMoreData, StopIteration):
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, None):
                self.log.exception("Socket error processing request.")
            return False
        except Exception as exc:
            if out.started and out.head is None:  # part of the answer went out: only closing is left
                self.log.exception("Error handling request")
                return False
            out = _Out(conn.sock, self.request_seconds)
            self.handle_error(req, out, conn.client, exc)
            try:
                out.flush()
            except OSError:
                pass
            return False
        finally:
            if conn.lane is not None:
                with self.lock:
                    held = self.in_threads[conn.lane] - 1
                    if held > 0:
                        self.in_threads[conn.lane] = held
                    else:
                        del self.in_threads[conn.lane]
                conn.lane = None

    def _respond(self, resp: Response, environ: dict, out: _Out) -> bool:
        started = time.perf_counter()
        self.nr += 1
        if self.nr >= self.max_requests and self.alive:
            self.log.info("Autorestarting worker after current request.")
            self.alive = False
        if not self.alive or not self.keepalive:
            resp.force_close()
        body = self.wsgi(environ, resp.start_response)
        try:
            if isinstance(body, environ["wsgi.file_wrapper"]):
                resp.write_file(body)
            else:
                for chunk in body:
                    resp.write(chunk)
            resp.close()
            out.flush()
        finally:
            self._access(resp, environ, time.perf_counter() - started)
            if hasattr(body, "close"):
                body.close()
        return not resp.should_close()

    def _access(self, resp: Any, environ: dict, seconds: float) -> None:
        """One line in gunicorn's default access-log format, written out by the main thread."""
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        self.log_lines.append('%s - - %s "%s %s %s" %s %s "%s" "%s"\n' % (  # noqa: UP031 (gunicorn's format)
            environ.get("REMOTE_ADDR", "-"), _log_time(), environ["REQUEST_METHOD"], environ["RAW_URI"],
            environ["SERVER_PROTOCOL"], status, resp.sent if resp.sent is not None else "-",
            environ.get("HTTP_REFERER", "-"), environ.get("HTTP_USER_AGENT", "-")))


_stamp: list = [0, ""]
_date: list = [0, ""]


def _http_date() -> str:
    """The Date header's value, as gunicorn writes it (whole seconds), made once a second."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, formatdate(now, usegmt=True)]
    return _date[1]


def _log_time() -> str:
    """The access log's time, as gunicorn writes it, made once a second."""
    now = int(time.time())
    if _stamp[0] != now:
        _stamp[:] = [now, datetime.fromtimestamp(now).astimezone().strftime("[%d/%b/%Y:%H:%M:%S %z]")]
    return _stamp[1]
