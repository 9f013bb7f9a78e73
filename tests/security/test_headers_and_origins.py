"""Security headers on every answer, cookies no script or other site can use, and no other origin
on the websocket or through CORS: in-process for the route table, for real against the portal."""

from __future__ import annotations

import dataclasses
import re
from http.cookies import SimpleCookie

import httpx
import pytest
import simple_websocket
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from iep_app import routes
from iep_app.api import admin as admin_api
from iep_app.api import headers
from iep_app.api import session as session_api
from iep_app.iep_app import api
from iep_app.settings import get_settings
from tests.security.packages import Package, app_routes, methods, recipient_grant, route_url, staff_grant
from tests.support.raw_socket import RawTab, event_url

FOREIGN = "https://evil.example"
PAGE_RULES = ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"]


def _missing_headers(answer: httpx.Response, *, https: bool = False) -> list[str]:
    h = answer.headers
    wanted = {
        "referrer-policy": h.get("referrer-policy") == "no-referrer",
        "x-content-type-options": h.get("x-content-type-options") == "nosniff",
        "x-frame-options": h.get("x-frame-options") == "DENY",
        "csp frame-ancestors": "frame-ancestors 'none'" in h.get("content-security-policy", ""),
        "hsts only on https": ("strict-transport-security" in h) == https,
    }
    return [name for name, ok in wanted.items() if not ok]


def _cookie(answer: httpx.Response) -> SimpleCookie:
    jar = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return jar


def test_every_route_answer_carries_the_security_headers(packages):
    victim: Package = packages["victim"]
    client = TestClient(api, base_url="http://testserver", raise_server_exceptions=False)
    problems = []
    for route in app_routes():
        for cookies in ({}, {f"iep_{victim.values['public_id']}": victim.cookie}):
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            for method in [*methods(route), "HEAD"] if "GET" in methods(route) else methods(route):
                answer = client.request(method, route_url(route, victim.values))
                if missing := _missing_headers(answer):
                    problems.append(f"{method} {route.path} {answer.status_code}: {missing}")
    assert problems == []


def test_hsts_is_sent_when_the_portal_is_served_over_https(monkeypatch):
    https = dataclasses.replace(get_settings(), public_url="https://portal.example.org")
    monkeypatch.setattr(headers, "get_settings", lambda: https)
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    answer = TestClient(headers.SecurityHeaders(app)).get("/")
    assert _missing_headers(answer, https=True) == []
    assert answer.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookies_are_http_only_strict_and_secure_on_https(tmp_path, monkeypatch, scheme):
    settings = dataclasses.replace(get_settings(), public_url=f"{scheme}://portal.example.org")
    monkeypatch.setattr(session_api, "get_settings", lambda: settings)
    monkeypatch.setattr(admin_api, "get_settings", lambda: settings)
    (recipient, public_id), (staff, _) = recipient_grant(tmp_path, scheme), staff_grant(f"cookie-{scheme}")
    client = TestClient(api, base_url=f"{scheme}://testserver")
    for endpoint, grant, path in (
        (routes.SESSION_ENDPOINT, recipient, f"{routes.API_PREFIX}/{public_id}"),
        # The staff cookie is for the whole site: a new tab's websocket handshake must carry it.
        (routes.ADMIN_SESSION_ENDPOINT, staff, "/"),
    ):
        answer = client.post(endpoint, json={"grant": grant})
        assert answer.status_code == 200, endpoint
        (morsel,) = _cookie(answer).values()
        assert morsel["httponly"] and morsel["samesite"] == "strict" and morsel["path"] == path
        assert bool(morsel["secure"]) == (scheme == "https")
        assert "no-store" in answer.headers["cache-control"]


# --- Against the running portal: Reflex's own routes, the websocket and CORS ----------------


def _portal_paths(portal) -> list[str]:  # type: ignore[no-untyped-def]
    index = httpx.get(portal.url).text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)[:3]
    pages = ["/", "/t/not-a-link-token", "/package", "/package/view", "/admin", "/admin/login"]
    return [
        *pages,
        "/ping",
        "/_health",
        "/favicon.ico",
        f"{routes.API_PREFIX}/NS000001/download/dicom.zip",
        *assets,
    ]


@pytest.mark.e2e
def test_every_kind_of_portal_answer_carries_the_security_headers(portal):
    paths = _portal_paths(portal)
    assert any(p.startswith("/assets/") for p in paths)
    problems, pages = [], 0
    for path in paths:
        answer = httpx.get(portal.url + path, follow_redirects=True)
        if missing := _missing_headers(answer):
            problems.append(f"{path}: {missing}")
        if answer.headers.get("content-type", "").startswith("text/html"):
            pages += 1
            policy = answer.headers["content-security-policy"]
            # Pages get the whole policy (tests/security/test_journeys_* run under it).
            if not all(rule in policy for rule in PAGE_RULES):
                problems.append(f"{path}: page policy {policy}")
    assert problems == [] and pages >= 6


@pytest.mark.e2e
def test_the_websocket_refuses_another_origin(portal):
    with pytest.raises(simple_websocket.ConnectionError) as refused:
        simple_websocket.Client.connect(event_url(portal.url, "a-tab"), headers={"Origin": FOREIGN})
    assert refused.value.status_code == 403
    RawTab(portal.url, origin=portal.url).close()  # its own pages still connect


@pytest.mark.e2e
def test_cors_allows_no_other_origin(portal):
    for method, path in (("GET", "/ping"), ("OPTIONS", routes.SESSION_ENDPOINT), ("OPTIONS", "/_upload")):
        preflight = {"Access-Control-Request-Method": "POST"} if method == "OPTIONS" else {}
        answer = httpx.request(method, portal.url + path, headers={"Origin": FOREIGN, **preflight})
        assert "access-control-allow-origin" not in answer.headers, (method, path)
    own = httpx.get(portal.url + "/ping", headers={"Origin": portal.url})
    assert own.headers.get("access-control-allow-origin") in (None, portal.url)
