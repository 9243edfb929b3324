"""The adapter the web and worker processes use to ask the ID authority.

:meth:`IdAuthority.check` never raises for a failure of the authority or the
network: it answers :attr:`Verdict.UNAVAILABLE`, and the caller keeps the record
pending for the worker to retry. Neither logs nor :attr:`Check.detail` ever
carry the name or the ID number.
"""

import base64
import json
import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Self

import requests

from anju.identity import contract

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection, or the whole timeout if that is shorter."""

_RESULTS = frozenset(result.value for result in contract.Result)


class Verdict(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    reference: str | None
    detail: str | None
    """Why the check was unavailable, for logs and operators; never personal data."""


class IdAuthority:
    """A connection to the ID authority at ``base_url``.

    One instance keeps a pool of connections; close it when done, or use it as
    a context manager. ``timeout`` bounds the wait for a connection and then
    for each read of the answer.
    """

    def __init__(self, base_url: str, secret: str, timeout: float = 3.0) -> None:
        self._url = base_url.rstrip("/") + contract.VERIFICATIONS_PATH
        self._secret = secret
        self._timeout = (min(timeout, CONNECT_TIMEOUT), timeout)
        self._session = requests.Session()

    def check(
        self,
        name: str,
        id_number: str,
        photo: bytes | None = None,
        request_id: str | None = None,
    ) -> Check:
        """Ask whether ``id_number`` exists and belongs to ``name``."""
        request_id = request_id or uuid.uuid4().hex
        payload = {"name": name, "id_number": id_number, "request_id": request_id}
        if photo is not None:
            payload["photo"] = base64.b64encode(photo).decode("ascii")

        body = json.dumps(payload).encode("ascii")
        headers = contract.signed_headers(self._secret, body)
        headers["Content-Type"] = "application/json"

        try:
            response = self._session.post(
                self._url, data=body, headers=headers, timeout=self._timeout
            )
        except requests.Timeout:
            return _unavailable(request_id, "timeout")
        except requests.RequestException:
            return _unavailable(request_id, "connection failed")

        if response.status_code != 200:
            return _unavailable(request_id, f"status {response.status_code}")

        return _read_answer(request_id, response)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _read_answer(request_id: str, response: requests.Response) -> Check:
    try:
        answer = response.json()
    except ValueError:
        return _unavailable(request_id, "answer is not JSON")

    if not isinstance(answer, dict):
        return _unavailable(request_id, "answer is not an object")

    result = answer.get("result")
    reference = answer.get("reference")
    if not (
        isinstance(result, str) and result in _RESULTS and isinstance(reference, str)
    ):
        return _unavailable(request_id, "answer has no known result and reference")

    verdict = Verdict(result)
    logger.debug(
        "identity checked",
        extra={"request_id": request_id, "verdict": verdict, "reference": reference},
    )

    return Check(verdict=verdict, reference=reference, detail=None)


def _unavailable(request_id: str, detail: str) -> Check:
    logger.warning(
        "identity authority unavailable",
        extra={"request_id": request_id, "detail": detail},
    )

    return Check(verdict=Verdict.UNAVAILABLE, reference=None, detail=detail)
