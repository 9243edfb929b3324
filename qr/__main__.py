"""``python -m qr``: venue and room codes from the command line.

    python -m qr token venue <id> [--version N]     the signed token and its URL
    python -m qr token --check <token>               what a token claims, if genuine
    python -m qr png <url> --out code.png [--scale 10]
    python -m qr svg <url> --out code.svg
    python -m qr poster venue|room <id> [--size A4] --out poster.pdf
    python -m qr posters --area <area id or name> [--size A4] --out stalls.pdf

Commands that need the database or the signing key use the app's settings
(the same ANJU_* environment and var/ files as the server); in a second
terminal beside scripts/run they find its embedded database. docs/codes.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from qr import posters, render, tokens


def _app(*, database: bool = True) -> Any:
    """The app, for its settings and (with ``database``) its database: the
    configured one or a running scripts/run's; without one, a clear exit."""
    from anju import create_app
    from anju.commandline import settings_for_command

    return create_app(settings_for_command(database=database))


def _write(out: str, content: bytes) -> None:
    Path(out).write_bytes(content)
    print(f"{out}: {len(content):,} bytes")


def _token(args: argparse.Namespace) -> int:
    app = _app(database=bool(args.id) and not args.check and args.version is None)
    key = app.config["ANJU"].code_signing_key
    if args.check:
        try:
            claims = tokens.verify(args.check, key)
        except tokens.BadCode as error:
            print(f"not a genuine code ({error})", file=sys.stderr)
            return 1
        print(f"{claims.kind} {claims.object_id} version {claims.version}")
        return 0
    if not (args.kind and args.id):
        print("give a kind and an id, or --check TOKEN", file=sys.stderr)
        return 2

    version = args.version
    if version is None:
        with app.app_context():
            record = _record(args.kind, args.id)
            version = record.code_version or 1
    token = tokens.sign(args.kind, args.id, version, key)
    prefix = "v" if args.kind == "venue" else "r"
    print(token)
    print(f"{app.config['ANJU'].public_url.rstrip('/')}/{prefix}/{token}")
    return 0


def _record(kind: str, object_id: str) -> Any:
    from bson import ObjectId
    from bson.errors import InvalidId

    try:
        oid = ObjectId(object_id)
    except (InvalidId, TypeError):
        raise SystemExit(f"not an id: {object_id}") from None
    if kind == "venue":
        from anju.venues.models import Venue

        found = Venue.objects(id=oid).first()
    else:
        from anju.housing.models import Room

        found = Room.objects(id=oid).first()
    if found is None:
        raise SystemExit(f"no {kind} with id {object_id}")
    return found


def _room_item(room: Any) -> posters.PosterItem:
    from anju.areas.models import Area
    from anju.housing.models import Property
    from anju.housing.properties import room_code_url

    prop = Property.objects(id=room.property).first()
    area = Area.objects(id=prop.area).only("name").first() if prop else None
    subtitle = "  ".join(
        p for p in (area.name if area else None, prop.address if prop else None) if p
    )
    return posters.PosterItem(
        title=f"{prop.name if prop else ''} {room.number}".strip(),
        subtitle=subtitle,
        code_number=tokens.code_number("room", str(room.id), room.code_version or 1),
        url=room_code_url(room),
        kind="room",
    )


def _poster(args: argparse.Namespace) -> int:
    app = _app()
    with app.app_context():
        record = _record(args.kind, args.id)
        if args.kind == "venue":
            from anju.venues.service import poster_items

            items = poster_items([record])
        else:
            items = [_room_item(record)]
        _write(args.out, posters.poster_pdf(items, args.size))
    return 0


def _find_area(text: str) -> Any:
    from bson import ObjectId

    from anju.areas.models import Area

    if ObjectId.is_valid(text):
        found = Area.objects(id=ObjectId(text)).first()
        if found is not None:
            return found
    matches = list(Area.objects(name=text))
    if len(matches) > 1:
        paths = ", ".join(str(a.id) for a in matches)
        raise SystemExit(f"several areas are called {text}: give an id ({paths})")
    if not matches:
        raise SystemExit(f"no area {text}")
    return matches[0]


def _posters(args: argparse.Namespace) -> int:
    app = _app()
    with app.app_context():
        from anju.venues.service import poster_items, posters_query

        area = _find_area(args.area)
        venues = list(posters_query(None, str(area.id)))
        if not venues:
            print(f"no active venue in {area.name}", file=sys.stderr)
            return 1
        started = time.perf_counter()
        pdf = posters.poster_pdf(poster_items(venues), args.size)
        seconds = time.perf_counter() - started
        _write(args.out, pdf)
        print(f"{len(venues)} pages for {area.name} in {seconds:.1f} s")
    return 0


def _image(args: argparse.Namespace) -> int:
    if args.command == "png":
        content = render.png(args.url, scale=args.scale)
    else:
        content = render.svg(args.url)
    _write(args.out, content)
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m qr", description=__doc__.split("\n")[0]
    )
    commands = main.add_subparsers(dest="command", required=True)

    token = commands.add_parser("token", help="make or check a signed code token")
    token.add_argument("kind", nargs="?", choices=sorted(tokens.KINDS))
    token.add_argument("id", nargs="?")
    token.add_argument("--version", type=int, help="default: the record's current one")
    token.add_argument("--check", metavar="TOKEN", help="verify a token instead")
    token.set_defaults(run=_token)

    for name in ("png", "svg"):
        image = commands.add_parser(name, help=f"a {name.upper()} of a URL's code")
        image.add_argument("url")
        image.add_argument("--out", required=True)
        if name == "png":
            image.add_argument("--scale", type=int, default=10)
        image.set_defaults(run=_image)

    poster = commands.add_parser("poster", help="one venue's or room's poster PDF")
    poster.add_argument("kind", choices=sorted(tokens.KINDS))
    poster.add_argument("id")
    poster.add_argument("--size", choices=sorted(posters.SIZES), default="A5")
    poster.add_argument("--out", required=True)
    poster.set_defaults(run=_poster)

    many = commands.add_parser("posters", help="every active venue of an area")
    many.add_argument("--area", required=True, help="an area's id or exact name")
    many.add_argument("--size", choices=sorted(posters.SIZES), default="A5")
    many.add_argument("--out", required=True)
    many.set_defaults(run=_posters)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
