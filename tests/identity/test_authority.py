"""The ID authority simulator and its adapter, over real HTTP on loopback."""

import json
import logging
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from anju.common.idnumber import parse_id_number
from anju.common.phone import normalize_phone
from anju.identity import contract
from anju.identity.client import IdAuthority, Verdict
from anju.identity.population import Citizen, Gender, synthetic_population
from anju.identity.simulator import start_in_subprocess

VERIFY = contract.VERIFICATIONS_PATH

SECRET = "test-secret"
SEED = 11
SIZE = 300

StartSimulator = Callable[..., tuple[subprocess.Popen[bytes], str]]


class Simulator:
    """A running simulator with test controls: its URL and signed requests to it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.secret = SECRET

    def send(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send ``payload`` signed now, unless the test brings its own headers."""
        body = b"" if payload is None else json.dumps(payload).encode()
        if headers is None:
            headers = contract.signed_headers(self.secret, body)

        return requests.request(
            method, self.url + path, data=body, headers=headers, timeout=5
        )

    def set_mode(self, **mode: Any) -> None:
        response = self.send("POST", "/_sim/mode", mode)
        assert response.status_code == 200, response.text

    def add_citizen(self, name: str, id_number: str) -> None:
        payload = {"name": name, "id_number": id_number}
        response = self.send("POST", "/_sim/citizens", payload)
        assert response.status_code == 201, response.text

    def stats(self) -> dict[str, int]:
        response = self.send("GET", "/_sim/stats")
        assert response.status_code == 200, response.text
        return response.json()["results"]


@pytest.fixture(scope="module")
def start_simulator() -> Iterator[StartSimulator]:
    """Start simulators on free loopback ports; stop them when the module ends."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(
        seed: int = SEED, size: int = SIZE, test_controls: bool = True
    ) -> tuple[subprocess.Popen[bytes], str]:
        process, url = start_in_subprocess(
            "127.0.0.1", 0, SECRET, seed, size, test_controls
        )
        processes.append(process)
        return process, url

    yield start

    for process in processes:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def shared_simulator(start_simulator: StartSimulator) -> Simulator:
    _, url = start_simulator()
    return Simulator(url)


@pytest.fixture
def simulator(shared_simulator: Simulator) -> Iterator[Simulator]:
    """The module's simulator, back in its normal mode after each test."""
    yield shared_simulator
    shared_simulator.set_mode()


@pytest.fixture
def authority(simulator: Simulator) -> Iterator[IdAuthority]:
    with IdAuthority(simulator.url, SECRET, timeout=2.0) as authority:
        yield authority


@pytest.fixture(scope="session")
def population() -> list[Citizen]:
    return synthetic_population(SEED, SIZE)


# GB 11643: the weight of each of the first 17 digits, and the check character
# for each remainder of the weighted sum modulo 11.
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECKS = "10X98765432"


def request_for(citizen: Citizen, name: str | None = None) -> dict[str, str]:
    return {
        "name": citizen.name if name is None else name,
        "id_number": citizen.id_number,
        "request_id": "test-request",
    }


def stranger(population: list[Citizen], nth: int = 0) -> Citizen:
    """A valid person outside the simulator's population; tests that add one to
    the simulator take their own ``nth`` so that no other test meets them."""
    known = {citizen.id_number for citizen in population}
    others = synthetic_population(SEED + 1, 50)

    return [other for other in others if other.id_number not in known][nth]


# The population


def test_same_seed_gives_the_same_people() -> None:
    assert synthetic_population(3, 500) == synthetic_population(3, 500)


def test_other_seed_gives_other_people() -> None:
    first = {citizen.id_number for citizen in synthetic_population(3, 500)}
    second = {citizen.id_number for citizen in synthetic_population(4, 500)}

    assert len(first & second) < 5


def test_smaller_population_is_a_prefix_of_a_larger_one() -> None:
    assert synthetic_population(3, 40) == synthetic_population(3, 400)[:40]


def test_numbers_are_distinct_and_valid() -> None:
    population = synthetic_population(5, 5000)

    assert len(population) == 5000
    assert len({citizen.id_number for citizen in population}) == 5000
    assert len({citizen.phone for citizen in population}) == 5000
    for citizen in population:
        number = citizen.id_number
        total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
        assert number[17] == ID_CHECKS[total % 11]
        assert number[6:14] == citizen.birth_date.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (citizen.gender is Gender.MALE)
        facts = parse_id_number(number)
        assert (facts.birth_date, facts.gender) == (citizen.birth_date, citizen.gender)
        assert normalize_phone(citizen.phone) == citizen.phone
        assert 2 <= len(citizen.name) <= 4


# Verdicts


def test_people_of_the_population_match(
    authority: IdAuthority, population: list[Citizen]
) -> None:
    for citizen in (population[0], population[len(population) // 2], population[-1]):
        check = authority.check(citizen.name, citizen.id_number)

        assert check.verdict is Verdict.MATCH
        assert check.reference
        assert check.detail is None


def test_another_name_is_a_mismatch(
    authority: IdAuthority, population: list[Citizen]
) -> None:
    citizen = population[0]
    other_name = next(p.name for p in population if p.name != citizen.name)

    check = authority.check(other_name, citizen.id_number)

    assert check.verdict is Verdict.MISMATCH
    assert check.reference


def test_unknown_id_number_is_not_found(
    authority: IdAuthority, population: list[Citizen]
) -> None:
    unknown = stranger(population)

    check = authority.check(unknown.name, unknown.id_number)

    assert check.verdict is Verdict.NOT_FOUND
    assert check.reference


def test_photo_travels_with_the_check(
    authority: IdAuthority, population: list[Citizen]
) -> None:
    citizen = population[1]

    check = authority.check(citizen.name, citizen.id_number, photo=b"\x89PNG\r\n\x1a\n")

    assert check.verdict is Verdict.MATCH


def test_health(simulator: Simulator) -> None:
    response = requests.get(simulator.url + "/healthz", timeout=5)

    assert response.status_code == 200


# Signatures


@pytest.mark.parametrize(
    ("tampering", "error"),
    [
        ("wrong secret", "bad_signature"),
        ("changed body", "bad_signature"),
        ("changed signature", "bad_signature"),
        ("no headers", "bad_headers"),
    ],
)
def test_bad_signature_is_refused(
    simulator: Simulator, population: list[Citizen], tampering: str, error: str
) -> None:
    payload = request_for(population[0])
    body = json.dumps(payload).encode()
    headers = contract.signed_headers(SECRET, body)
    if tampering == "wrong secret":
        headers = contract.signed_headers("not-the-secret", body)
    elif tampering == "changed body":
        payload = request_for(population[0], name="某某")
    elif tampering == "changed signature":
        signature = headers[contract.SIGNATURE_HEADER]
        flipped = "1" if signature[0] == "0" else "0"
        headers[contract.SIGNATURE_HEADER] = flipped + signature[1:]
    elif tampering == "no headers":
        headers = {}

    response = simulator.send("POST", VERIFY, payload, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": error}


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_stale_timestamp_is_refused(
    simulator: Simulator, population: list[Citizen], offset: int
) -> None:
    payload = request_for(population[0])
    body = json.dumps(payload).encode()
    headers = contract.signed_headers(SECRET, body, now=time.time() + offset)

    response = simulator.send("POST", VERIFY, payload, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": "stale_timestamp"}


@pytest.mark.parametrize("offset", [-290, 290])
def test_timestamp_inside_the_window_is_accepted(
    simulator: Simulator, population: list[Citizen], offset: int
) -> None:
    payload = request_for(population[0])
    body = json.dumps(payload).encode()
    headers = contract.signed_headers(SECRET, body, now=time.time() + offset)

    response = simulator.send("POST", VERIFY, payload, headers=headers)

    assert response.status_code == 200
    assert response.json()["result"] == "match"


def test_replayed_nonce_is_refused(
    simulator: Simulator, population: list[Citizen]
) -> None:
    payload = request_for(population[0])
    headers = contract.signed_headers(SECRET, json.dumps(payload).encode())
    other = request_for(population[1])
    other_headers = contract.signed_headers(
        SECRET, json.dumps(other).encode(), nonce=headers[contract.NONCE_HEADER]
    )

    first = simulator.send("POST", VERIFY, payload, headers=headers)
    replay = simulator.send("POST", VERIFY, payload, headers=headers)
    reuse = simulator.send("POST", VERIFY, other, headers=other_headers)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert replay.json() == {"error": "replayed_nonce"}
    assert reuse.status_code == 401
    assert reuse.json() == {"error": "replayed_nonce"}


def test_wrong_secret_makes_the_client_unavailable(
    simulator: Simulator, population: list[Citizen]
) -> None:
    citizen = population[0]

    with IdAuthority(simulator.url, "not-the-secret") as authority:
        check = authority.check(citizen.name, citizen.id_number)

    assert check.verdict is Verdict.UNAVAILABLE
    assert check.detail == "status 401"


def test_test_controls_are_signed(simulator: Simulator) -> None:
    unsigned = simulator.send("POST", "/_sim/mode", {"down": True}, headers={})
    stats = requests.get(simulator.url + "/_sim/stats", timeout=5)

    assert unsigned.status_code == 401
    assert stats.status_code == 401
    assert simulator.send("GET", "/healthz").status_code == 200


# Unavailable


def test_unavailable_when_down(
    simulator: Simulator, authority: IdAuthority, population: list[Citizen]
) -> None:
    citizen = population[0]
    simulator.set_mode(down=True)

    check = authority.check(citizen.name, citizen.id_number)

    assert check.verdict is Verdict.UNAVAILABLE
    assert check.reference is None
    assert check.detail == "status 503"
    assert requests.get(simulator.url + "/healthz", timeout=5).status_code == 503


def test_unavailable_when_slower_than_the_timeout(
    simulator: Simulator, population: list[Citizen]
) -> None:
    citizen = population[0]
    simulator.set_mode(delay_ms=1500)

    with IdAuthority(simulator.url, SECRET, timeout=0.5) as authority:
        started = time.monotonic()
        check = authority.check(citizen.name, citizen.id_number)
        waited = time.monotonic() - started

    assert check.verdict is Verdict.UNAVAILABLE
    assert check.detail == "timeout"
    assert waited < 1.4


def test_slow_answer_inside_the_timeout_counts(
    simulator: Simulator, authority: IdAuthority, population: list[Citizen]
) -> None:
    citizen = population[0]
    simulator.set_mode(delay_ms=300)

    started = time.monotonic()
    check = authority.check(citizen.name, citizen.id_number)

    assert check.verdict is Verdict.MATCH
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (500, "status 500"),
        (502, "status 502"),
        (429, "status 429"),
        (200, "answer has no known result and reference"),
    ],
)
def test_unavailable_when_status_is_forced(
    simulator: Simulator,
    authority: IdAuthority,
    population: list[Citizen],
    status: int,
    detail: str,
) -> None:
    citizen = population[0]
    simulator.set_mode(status=status)

    check = authority.check(citizen.name, citizen.id_number)

    assert check.verdict is Verdict.UNAVAILABLE
    assert check.detail == detail


def test_unavailable_when_the_simulator_is_killed(
    start_simulator: StartSimulator, population: list[Citizen]
) -> None:
    citizen = population[0]
    process, url = start_simulator(test_controls=False)

    with IdAuthority(url, SECRET, timeout=1.0) as authority:
        before = authority.check(citizen.name, citizen.id_number)
        process.kill()
        process.wait(timeout=10)
        after = authority.check(citizen.name, citizen.id_number)

    assert before.verdict is Verdict.MATCH
    assert after.verdict is Verdict.UNAVAILABLE
    assert after.detail == "connection failed"


# Test controls


def test_test_controls_are_off_unless_asked_for(
    start_simulator: StartSimulator,
) -> None:
    _, url = start_simulator(test_controls=False)
    simulator = Simulator(url)

    assert simulator.send("POST", "/_sim/mode", {"down": True}).status_code == 404
    assert simulator.send("POST", "/_sim/citizens", {}).status_code == 404
    assert simulator.send("GET", "/_sim/stats").status_code == 404
    assert simulator.send("GET", "/healthz").status_code == 200


def test_added_citizen_matches(
    simulator: Simulator, authority: IdAuthority, population: list[Citizen]
) -> None:
    newcomer = stranger(population, nth=1)
    before = authority.check(newcomer.name, newcomer.id_number)

    simulator.add_citizen(newcomer.name, newcomer.id_number)

    assert before.verdict is Verdict.NOT_FOUND
    match = authority.check(newcomer.name, newcomer.id_number)
    assert match.verdict is Verdict.MATCH
    mismatch = authority.check(newcomer.name + "某", newcomer.id_number)
    assert mismatch.verdict is Verdict.MISMATCH


def test_stats_count_requests_by_result(
    start_simulator: StartSimulator, population: list[Citizen]
) -> None:
    # A simulator of its own: the shared one may still be answering a request
    # an earlier test gave up on (a delayed answer is counted when it is sent).
    _, url = start_simulator()
    simulator = Simulator(url)
    citizen = population[2]
    unknown = stranger(population)
    before = simulator.stats()

    with IdAuthority(url, SECRET, timeout=2.0) as authority:
        authority.check(citizen.name, citizen.id_number)
        authority.check(citizen.name + "某", citizen.id_number)
        authority.check(unknown.name, unknown.id_number)
    simulator.send("POST", VERIFY, request_for(citizen), headers={})
    after = simulator.stats()

    changes = {result: after[result] - before[result] for result in after}
    assert changes == {
        "match": 1,
        "mismatch": 1,
        "not_found": 1,
        "rejected": 1,
        "invalid": 0,
        "down": 0,
        "forced": 0,
    }


@pytest.mark.parametrize(
    ("mode", "field"),
    [
        ({"delay_ms": -1}, "delay_ms"),
        ({"delay_ms": "100"}, "delay_ms"),
        ({"down": 1}, "down"),
        ({"status": 204}, "status"),
        ({"status": 99}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_mode_is_refused(simulator: Simulator, mode: dict, field: str) -> None:
    response = simulator.send("POST", "/_sim/mode", mode)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "field": field}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"id_number": None}, "id_number"),
        ({"request_id": 7}, "request_id"),
        ({"photo": "not base64!"}, "photo"),
    ],
)
def test_bad_verification_request_is_refused(
    simulator: Simulator, population: list[Citizen], change: dict, field: str
) -> None:
    payload = {**request_for(population[0]), **change}

    response = simulator.send("POST", VERIFY, payload)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "field": field}


# Privacy and start-up


def test_checks_never_log_or_report_the_person(
    simulator: Simulator, population: list[Citizen], caplog: pytest.LogCaptureFixture
) -> None:
    citizen = population[3]
    caplog.set_level(logging.DEBUG)

    with IdAuthority(simulator.url, SECRET) as authority:
        checks = [authority.check(citizen.name, citizen.id_number)]
        simulator.set_mode(status=500)
        checks.append(authority.check(citizen.name, citizen.id_number))

    assert [check.verdict for check in checks] == [Verdict.MATCH, Verdict.UNAVAILABLE]
    assert {record.name for record in caplog.records} >= {"anju.identity.client"}
    for record in caplog.records:
        text = record.getMessage() + repr(vars(record))
        assert citizen.id_number not in text
        assert citizen.name not in text
    for check in checks:
        assert citizen.id_number not in repr(check)
        assert citizen.name not in repr(check)


def test_start_fails_loudly_when_the_port_is_taken() -> None:
    with socket.socket() as occupant:
        occupant.bind(("127.0.0.1", 0))
        occupant.listen()
        port = occupant.getsockname()[1]

        with pytest.raises(RuntimeError, match="exited"):
            start_in_subprocess("127.0.0.1", port, SECRET, SEED, 10, False)


def test_a_secret_that_looks_like_an_option_starts_the_simulator() -> None:
    # Generated secrets are URL-safe base64 and may begin with "-"; the
    # simulator gets its secret by environment, never as an argument.
    secret = "-" + SECRET
    process, url = start_in_subprocess("127.0.0.1", 0, secret, SEED, 10, False)
    try:
        citizen = synthetic_population(SEED, 10)[0]
        with IdAuthority(url, secret, timeout=5.0) as authority:
            check = authority.check(citizen.name, citizen.id_number)
        assert check.verdict is Verdict.MATCH
    finally:
        process.terminate()
        process.wait(timeout=10)
