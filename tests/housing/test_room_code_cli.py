"""The qr command line prints a room's poster and its code's token."""

from __future__ import annotations

from qr import tokens


def test_cli_prints_a_rooms_poster_and_token(
    app, house, settings, tmp_path, monkeypatch, capsys
):
    import qr.__main__ as cli

    monkeypatch.setattr(cli, "_app", lambda database=True: app)
    room_id = house.rooms["101"]
    poster = tmp_path / "room.pdf"

    assert cli.main(["poster", "room", room_id, "--out", str(poster)]) == 0
    assert cli.main(["token", "room", room_id]) == 0

    assert poster.read_bytes().count(b"/Type /Page\n") == 1
    token = capsys.readouterr().out.split()[-1].rsplit("/", 1)[-1]
    claims = tokens.verify(token, settings.code_signing_key)
    assert (claims.kind, claims.object_id) == ("room", room_id)
