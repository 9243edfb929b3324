"""The app installs: a valid manifest, a service worker that takes control and
caches the shell, hashed assets cached for good, no API answer cached."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_manifest_and_service_worker(page, client):
    page.goto("/login")
    expect(page.get_by_test_id("login-form")).to_be_visible()

    with client.get("/manifest.webmanifest") as manifest:
        body = manifest.get_json(force=True)
        manifest_cache = manifest.headers["Cache-Control"]
    registered = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready;"
        " return r.active ? r.active.scriptURL : null }"
    )
    cached = page.evaluate(
        "async () => { const urls = []; for (const name of await caches.keys()) {"
        " const cache = await caches.open(name);"
        " for (const request of await cache.keys()) urls.push(request.url) }"
        " return urls }"
    )

    assert body["name"] == "安居" and body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}
    assert manifest_cache.startswith("no-cache")
    assert registered and registered.endswith("/sw.js")
    assert any("/index.html" in url for url in cached)
    assert not any("/api/" in url for url in cached)


def test_assets_are_immutable_and_the_shell_is_not_cached(client):
    with client.get("/") as index:
        html = index.get_data(as_text=True)
        index_cache = index.headers["Cache-Control"]
    asset = next(
        part.split('"')[0]
        for part in html.split('src="')[1:]
        if part.startswith("/assets/")
    )
    with client.get(asset) as answer:
        asset_cache = answer.headers["Cache-Control"]
    with client.get("/v/some-venue-token") as deep_link:
        deep_status, deep_html = deep_link.status_code, deep_link.data

    assert "immutable" in asset_cache
    assert index_cache.startswith("no-cache")
    assert deep_status == 200 and b'id="app"' in deep_html
