"""Credentials are Ed25519 JWS the lock verifies itself; the simulated lock
refuses every kind of bad credential (no broker needed here)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from anju.locks import credentials
from anju.locks.simulator import (
    BAD_SIGNATURE,
    EXPIRED,
    NOT_YET_VALID,
    OLD_EPOCH,
    REVOKED,
    WRONG_LOCK,
    SimulatedLock,
    new_finger,
)

NOW = datetime.now(UTC)


@pytest.fixture
def door(base_settings):
    key = credentials.load_public_key(credentials.public_key_pem(base_settings))
    return SimulatedLock(serial="L-100", public_key=key, epoch=1)


def issue(settings, serial="L-100", cid="c1", nbf=None, exp=None, epoch=1):
    return credentials.sign_credential(
        settings,
        serial=serial,
        credential_id=cid,
        kind="tenant",
        not_before=nbf or NOW - timedelta(hours=1),
        expires_at=exp or NOW + timedelta(days=30),
        epoch=epoch,
    )


def revocations(settings, revoked, seq, serial="L-100"):
    return credentials.sign_revocations(
        settings, serial=serial, revoked=revoked, seq=seq, issued_at=NOW
    )


def enrolled(door, token, cid="c1"):
    assert door.take_credential(token) is None
    door.receive({"id": "e-" + cid, "type": "enroll", "credential": cid})
    finger = new_finger()
    assert isinstance(door.enroll_finger(finger), int)
    return finger


def test_a_credential_is_an_eddsa_jws_naming_lock_credential_kind_period_and_epoch(
    base_settings,
):
    token = issue(base_settings)
    header = jwt.get_unverified_header(token)
    public = credentials.load_public_key(credentials.public_key_pem(base_settings))
    claims = credentials.verify(token, public, credentials.CREDENTIAL_TYPE)

    assert header["alg"] == "EdDSA"
    assert token.count(".") == 2
    assert claims["lock"] == "L-100"
    assert claims["cid"] == "c1"
    assert claims["kind"] == "tenant"
    assert claims["epoch"] == 1
    assert claims["exp"] - claims["nbf"] == int(
        timedelta(days=30, hours=1).total_seconds()
    )


def test_the_lock_keeps_a_good_credential_enrolls_a_finger_and_opens(
    door, base_settings
):
    finger = enrolled(door, issue(base_settings))

    assert door.touch(finger) == "unlock_ok"
    assert door.touch(new_finger()) == "unknown_finger"
    assert [event["type"] for event in door.reported] == [
        "ack",
        "enrolled",
        "unlock_ok",
        "unlock_failed",
    ]
    assert door.reported[1]["slot"] == 1
    assert finger not in str(door.reported)  # the finger never leaves the lock


def test_a_credential_signed_by_another_key_is_refused(door, base_settings):
    other = replace(
        base_settings,
        lock_signing_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )

    assert door.take_credential(issue(other)) == BAD_SIGNATURE
    assert door.take_credential(issue(base_settings)[:-4] + "AAAA") == BAD_SIGNATURE
    assert door.credentials == {}


def test_another_locks_credential_is_refused(door, base_settings):
    assert door.take_credential(issue(base_settings, serial="L-200")) == WRONG_LOCK
    assert door.credentials == {}


def test_an_expired_credential_is_refused(door, base_settings):
    token = issue(
        base_settings, nbf=NOW - timedelta(days=9), exp=NOW - timedelta(days=1)
    )

    assert door.take_credential(token) == EXPIRED


def test_a_credential_expires_by_the_locks_own_clock_even_offline(door, base_settings):
    token = issue(base_settings, exp=NOW + timedelta(days=2))
    finger = enrolled(door, token)
    assert door.touch(finger) == "unlock_ok"

    door.clock_offset = timedelta(days=3)  # no server involved: the lock's clock

    assert door.touch(finger) == EXPIRED


def test_a_not_yet_valid_credential_does_not_open(door, base_settings):
    token = issue(base_settings, nbf=NOW + timedelta(days=1))
    assert door.take_credential(token) is None  # kept for its period

    door.receive({"id": "e1", "type": "enroll", "credential": "c1"})

    assert door.enrolling is None
    assert door.reported[-1]["reason"] == NOT_YET_VALID
    door.clock_offset = timedelta(days=1, minutes=1)
    door.receive({"id": "e2", "type": "enroll", "credential": "c1"})
    finger = new_finger()
    assert isinstance(door.enroll_finger(finger), int)
    door.clock_offset = timedelta(0)
    assert door.touch(finger) == NOT_YET_VALID


def test_a_revoked_credential_is_refused_and_cannot_come_back(door, base_settings):
    token = issue(base_settings)
    finger = enrolled(door, token)

    door.receive(
        {
            "id": "r1",
            "type": "revocations",
            "token": revocations(base_settings, ["c1"], 1),
        }
    )

    assert door.touch(finger) == REVOKED
    assert door.reported[-1]["credential"] == "c1"
    # Replayed after revocation: refused.
    assert door.take_credential(token) == REVOKED
    # An older list arriving late does not undo it; nor does an empty newer one.
    door.receive(
        {"id": "r0", "type": "revocations", "token": revocations(base_settings, [], 0)}
    )
    door.receive(
        {"id": "r2", "type": "revocations", "token": revocations(base_settings, [], 2)}
    )
    assert door.touch(finger) == REVOKED


def test_a_revocation_list_signed_by_another_key_or_for_another_lock_is_refused(
    door, base_settings
):
    finger = enrolled(door, issue(base_settings))
    other = replace(
        base_settings,
        lock_signing_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )

    assert door.take_revocations(revocations(other, ["c1"], 5)) == BAD_SIGNATURE
    assert (
        door.take_revocations(revocations(base_settings, ["c1"], 5, "L-200"))
        == WRONG_LOCK
    )
    assert door.touch(finger) == "unlock_ok"


def test_a_credential_of_an_older_key_epoch_is_refused(base_settings):
    key = credentials.load_public_key(credentials.public_key_pem(base_settings))
    door = SimulatedLock(serial="L-100", public_key=key, epoch=2)

    assert door.take_credential(issue(base_settings, epoch=1)) == OLD_EPOCH
    assert door.take_credential(issue(base_settings, epoch=2)) is None


def test_a_repeated_command_is_acknowledged_again_but_applied_once(door, base_settings):
    command = {"id": "k1", "type": "credential", "token": issue(base_settings)}

    door.receive(command)
    door.receive(command)
    door.receive({"id": "k2", "type": "credential", "token": issue(base_settings)})

    assert door.applied == ["c1"]
    acks = [event for event in door.reported if event["type"] == "ack"]
    assert [ack["command"] for ack in acks] == ["k1", "k1", "k2"]
    assert all(ack["ok"] for ack in acks)
