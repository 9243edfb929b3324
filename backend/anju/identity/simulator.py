"""A stand-in for the ID authority, for one machine and for tests.

Run it as ``ANJU_ID_AUTHORITY_SECRET=S python -m anju.identity.simulator``; it
knows the people of :func:`~anju.identity.population.synthetic_population` and
prints one line, ``listening on http://host:port``, once it answers. With
``--test-controls`` it also lets a test add people, slow down, fail and count.
docs/id-authority.md is the contract; :func:`start_in_subprocess` starts it from
scripts and tests.
"""

import argparse
import base64
import binascii
import heapq
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from anju.identity import contract
from anju.identity.contract import MAX_CLOCK_SKEW, Rejection, Result
from anju.identity.population import Citizen, synthetic_population

logger = logging.getLogger(__name__)

READY_PREFIX = "listening on "
MAX_BODY = 4 * 1024 * 1024
MAX_DELAY_MS = 60_000

CITIZENS_PATH = "/_sim/citizens"
MODE_PATH = "/_sim/mode"
STATS_PATH = "/_sim/stats"
HEALTH_PATH = "/healthz"

OUTCOMES = (
    *(result.value for result in Result),
    "rejected",
    "invalid",
    "down",
    "forced",
)
"""What ``GET /_sim/stats`` counts verification requests by."""

# Statuses a test may force: a final answer that carries a body.
_FORCEABLE = set(range(200, 600)) - {204, 205, 304}


class BadRequest(Exception):
    """A request body the simulator cannot act on; ``field`` names the culprit."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Mode:
    down: bool = False
    delay_ms: int = 0
    status: int | None = None


class NonceLedger:
    """The nonces accepted while their requests are fresh, so none is used twice.

    A nonce is forgotten once its timestamp is too old to pass the clock check,
    which keeps the ledger at a few minutes of traffic.
    """

    def __init__(self) -> None:
        self._expiries: dict[str, int] = {}
        self._queue: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def accept(self, nonce: str, timestamp: int, now: float) -> bool:
        """Record ``nonce``; False if it was recorded before."""
        with self._lock:
            while self._queue and self._queue[0][0] < now:
                _, old = heapq.heappop(self._queue)
                del self._expiries[old]

            if nonce in self._expiries:
                return False

            expiry = timestamp + MAX_CLOCK_SKEW
            self._expiries[nonce] = expiry
            heapq.heappush(self._queue, (expiry, nonce))

        return True


class Register:
    """Who the simulated authority knows, and how it is behaving."""

    def __init__(self, secret: str, citizens: Iterable[Citizen], controls: bool):
        self.secret = secret
        self.controls = controls
        self.nonces = NonceLedger()
        self._names = {citizen.id_number: citizen.name for citizen in citizens}
        self._mode = Mode()
        self._outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def verify(self, name: str, id_number: str) -> Result:
        # A lower-case x is the same check character as X. Reading a dict needs
        # no lock: a concurrent add is one atomic store.
        known_name = self._names.get(id_number.upper())
        if known_name is None:
            return Result.NOT_FOUND

        return Result.MATCH if known_name == name else Result.MISMATCH

    def add(self, name: str, id_number: str) -> int:
        with self._lock:
            self._names[id_number.upper()] = name
            return len(self._names)

    @property
    def mode(self) -> Mode:
        with self._lock:
            return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        with self._lock:
            self._mode = mode

    def count(self, outcome: str) -> None:
        with self._lock:
            self._outcomes[outcome] += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            outcomes = {outcome: self._outcomes[outcome] for outcome in OUTCOMES}

        return {"requests": sum(outcomes.values()), "results": outcomes}


class AuthorityServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], register: Register) -> None:
        super().__init__(address, AuthorityHandler)
        self.register = register

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver calls this from its except block.
        error = sys.exc_info()[1]

        # A client that gave up waiting leaves a closed socket to answer into.
        if isinstance(error, ConnectionError):
            logger.debug("client went away", extra={"client": client_address[0]})
            return

        logger.error(
            "request failed", exc_info=error, extra={"client": client_address[0]}
        )


class AuthorityHandler(BaseHTTPRequestHandler):
    server: AuthorityServer
    protocol_version = "HTTP/1.1"
    server_version = "AnjuIdAuthoritySimulator/1"
    # An answer is written as headers, then body: with Nagle's algorithm on,
    # the body waits for the client's delayed ACK of the headers (up to 40 ms
    # on Linux), a stall no real service adds.
    disable_nagle_algorithm = True
    timeout = 30  # seconds an idle keep-alive connection stays open

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return

        if path == HEALTH_PATH:
            down = self.server.register.mode.down
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE if down else HTTPStatus.OK, {})
        elif path == STATS_PATH and self.server.register.controls:
            if self._authenticate(body):
                self._answer(HTTPStatus.OK, self.server.register.stats())
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return

        register = self.server.register
        routes: dict[str, Callable[[bytes], None]] = {
            contract.VERIFICATIONS_PATH: self._verify,
        }
        if register.controls:
            routes |= {CITIZENS_PATH: self._add_citizen, MODE_PATH: self._set_mode}

        route = routes.get(path)
        if route is None:
            self._answer(HTTPStatus.NOT_FOUND, {"error": "not_found"})
            return

        route(body)

    def _verify(self, body: bytes) -> None:
        register = self.server.register
        mode = register.mode
        if mode.delay_ms:
            time.sleep(mode.delay_ms / 1000)

        if mode.down:
            register.count("down")
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "down"})
            return

        if not self._authenticate(body):
            register.count("rejected")
            return

        if mode.status is not None:
            register.count("forced")
            self._answer(mode.status, {"error": "forced_status"})
            return

        try:
            request = _json_object(body)
            name = _text(request, "name")
            id_number = _text(request, "id_number")
            _text(request, "request_id")
            if request.get("photo") is not None:
                _base64(request, "photo")
        except BadRequest as error:
            register.count("invalid")
            self._answer(HTTPStatus.BAD_REQUEST, _invalid(error))
            return

        result = register.verify(name, id_number)
        register.count(result)
        reference = "sim-" + os.urandom(8).hex()
        self._answer(HTTPStatus.OK, {"result": result, "reference": reference})

    def _add_citizen(self, body: bytes) -> None:
        if not self._authenticate(body):
            return

        try:
            request = _json_object(body)
            name = _text(request, "name")
            id_number = _text(request, "id_number")
        except BadRequest as error:
            self._answer(HTTPStatus.BAD_REQUEST, _invalid(error))
            return

        known = self.server.register.add(name, id_number)
        self._answer(HTTPStatus.CREATED, {"citizens": known})

    def _set_mode(self, body: bytes) -> None:
        if not self._authenticate(body):
            return

        try:
            mode = _mode(_json_object(body))
        except BadRequest as error:
            self._answer(HTTPStatus.BAD_REQUEST, _invalid(error))
            return

        self.server.register.mode = mode
        self._answer(HTTPStatus.OK, asdict(mode))

    def _read_body(self) -> bytes | None:
        """Read the whole body, or answer an error and return None."""
        length = self.headers.get("Content-Length", "0")
        if not length.isdecimal():
            self.close_connection = True
            self._answer(HTTPStatus.BAD_REQUEST, {"error": "bad_content_length"})
            return None

        if int(length) > MAX_BODY:
            self.close_connection = True
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too_large"})
            return None

        return self.rfile.read(int(length))

    def _authenticate(self, body: bytes) -> bool:
        """Check the signature headers; answer 401 and return False if they fail."""
        register = self.server.register
        timestamp = self.headers.get(contract.TIMESTAMP_HEADER, "")
        nonce = self.headers.get(contract.NONCE_HEADER, "")
        signature = self.headers.get(contract.SIGNATURE_HEADER, "")
        now = time.time()

        rejection = contract.check_signature(
            register.secret, body, timestamp, nonce, signature, now
        )
        if rejection is None and not register.nonces.accept(nonce, int(timestamp), now):
            rejection = Rejection.REPLAYED_NONCE

        if rejection is not None:
            self._answer(HTTPStatus.UNAUTHORIZED, {"error": rejection})
            return False

        return True

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("ascii")

        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines hold a method and a path; names and ID numbers travel in
        # bodies, which are never logged.
        logger.debug("http event", extra={"event": format % args})


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        raise BadRequest("body") from None

    if not isinstance(value, dict):
        raise BadRequest("body")

    return value


def _text(request: dict[str, Any], field: str) -> str:
    value = request.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(field)

    return value


def _base64(request: dict[str, Any], field: str) -> None:
    try:
        base64.b64decode(_text(request, field), validate=True)
    except binascii.Error:
        raise BadRequest(field) from None


def _mode(request: dict[str, Any]) -> Mode:
    """Read a whole mode; what the request leaves out takes its normal value."""
    unknown = set(request) - {"down", "delay_ms", "status"}
    if unknown:
        raise BadRequest(sorted(unknown)[0])

    down = request.get("down", False)
    if not isinstance(down, bool):
        raise BadRequest("down")

    delay_ms = request.get("delay_ms", 0)
    if type(delay_ms) is not int or not 0 <= delay_ms <= MAX_DELAY_MS:
        raise BadRequest("delay_ms")

    status = request.get("status")
    if status is not None and (type(status) is not int or status not in _FORCEABLE):
        raise BadRequest("status")

    return Mode(down=down, delay_ms=delay_ms, status=status)


def _invalid(error: BadRequest) -> dict[str, str]:
    return {"error": "invalid_request", "field": error.field}


SECRET_VARIABLE = "ANJU_ID_AUTHORITY_SECRET"  # noqa: S105 (a variable's name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m anju.identity.simulator",
        description="Answer ID checks for a synthetic population (人证一致).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free one")
    parser.add_argument(
        "--secret",
        default=os.environ.get(SECRET_VARIABLE),
        help=f"the shared signing secret (default: ${SECRET_VARIABLE}, which keeps "
        "it out of the process list)",
    )
    parser.add_argument("--population-seed", type=int, default=7)
    parser.add_argument("--population-size", type=int, default=5000)
    parser.add_argument(
        "--test-controls",
        action="store_true",
        help="serve /_sim/citizens, /_sim/mode and /_sim/stats",
    )
    options = parser.parse_args(argv)
    if not options.secret:
        parser.error(f"--secret or ${SECRET_VARIABLE} is required")

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    citizens = synthetic_population(options.population_seed, options.population_size)
    register = Register(options.secret, citizens, options.test_controls)
    server = AuthorityServer((options.host, options.port), register)

    print(f"{READY_PREFIX}http://{options.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def start_in_subprocess(
    host: str,
    port: int,
    secret: str,
    seed: int,
    size: int,
    test_controls: bool = False,
    ready_timeout: float = 30.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the simulator as a child process; return it and its base URL.

    Waits until the simulator prints its ready line. Port 0 lets it pick a free
    port, which the returned URL names. Stop it with ``terminate()`` and
    ``wait()``: the helper keeps no pipe to the child open.
    """
    command = [
        sys.executable,
        "-m",
        "anju.identity.simulator",
        "--host",
        host,
        "--port",
        str(port),
        "--population-seed",
        str(seed),
        "--population-size",
        str(size),
    ]
    if test_controls:
        command.append("--test-controls")

    reader, writer = os.pipe()
    try:
        # The secret goes by environment: on the command line it would show in
        # the process list, and one starting with "-" would read as an option.
        environment = {**os.environ, SECRET_VARIABLE: secret}
        process = subprocess.Popen(command, stdout=writer, env=environment)
    finally:
        os.close(writer)

    try:
        line = _ready_line(process, reader, ready_timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        os.close(reader)

    return process, line.removeprefix(READY_PREFIX)


def _ready_line(process: subprocess.Popen[bytes], reader: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    received = b""

    with selectors.DefaultSelector() as selector:
        selector.register(reader, selectors.EVENT_READ)
        while b"\n" not in received:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the ID authority simulator was not ready in time")

            if not selector.select(remaining):
                continue

            chunk = os.read(reader, 4096)
            if not chunk:
                status = process.wait()
                raise RuntimeError(f"the ID authority simulator exited with {status}")

            received += chunk

    line = received.split(b"\n", 1)[0].decode("utf-8").strip()
    if not line.startswith(READY_PREFIX):
        raise RuntimeError("the ID authority simulator printed no ready line")

    return line


if __name__ == "__main__":
    main()
