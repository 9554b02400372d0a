"""Officials' accounts on a real server: every page and API route needs a session (or a station
signature), CSRF on forms, throttled sign-in, the audit log, one municipality per viewer, security
headers, and no personal data on pages or in the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.server import schema as t
from app.server.db import make_engine
from app.services.station import Station
from app.sync.client import sync_once
from tests.server.test_sync_e2e import FAST

PAGES = ["/monitoring", "/monitoring?day=2026-06-04%2F01", "/monitoring/events?day=2026-06-04%2F01&metric=absent",
         "/monitoring.csv", "/monitoring.xlsx", "/admin", "/docs", "/monitoring/report.pdf?date=2026-06-04",
         "/results", "/results?year=2026&public=1", "/results/school/660101", "/results/distribution?subject=01",
         "/results.csv", "/results.xlsx", "/results/report.pdf?year=2026", "/conditions", "/conditions.csv"]
API_ROUTES = ["/api/v1/monitoring", "/api/v1/monitoring/events?day=2026-06-04%2F01&metric=absent", "/openapi.json",
              "/api/v1/results", "/api/v1/results?year=2026&public=1", "/api/v1/conditions"]
SIGNED = ["/api/v1/heads", "/api/v1/days", "/api/v1/list?day=2026-06-04%2F01"]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_every_route_needs_a_session_or_a_signature(live):
    for path in PAGES:
        r = httpx.get(live.url + path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in API_ROUTES:
        assert httpx.get(live.url + path).status_code == 401, path
    for path in SIGNED:
        r = httpx.get(live.url + path)
        assert r.status_code == 401 and r.json()["error"] == "unsigned", path
    for path in ("/verify", "/login", "/healthz", "/static/app.css"):  # open: the act check shows only the act
        assert httpx.get(live.url + path).status_code == 200, path
    # a session cookie that is not a session opens nothing
    assert httpx.get(live.url + "/api/v1/monitoring", cookies={"auditoria_session": "x" * 43}).status_code == 401


def test_sign_in_csrf_cookie_and_logout(live):
    password = live.add_user("chief")
    c = httpx.Client(base_url=live.url)
    html = c.get("/login").text
    assert "Вход" in html and 'type="password"' in html
    # no CSRF token, or another one: refused before the password is even looked at
    r = c.post("/login", data={"username": "chief", "password": password})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = c.post("/login", data={"csrf": "A" * 43, "username": "chief", "password": password})
    assert r.status_code == 403
    r = c.post("/login", data={"csrf": _csrf(html), "username": "chief", "password": "wrong password!"})
    assert r.status_code == 401 and "Неверное имя пользователя или пароль" in r.text
    r = c.post("/login", data={"csrf": _csrf(html), "username": "chief", "password": password,
                               "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/monitoring"  # no open redirect
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie  # plain HTTP on loopback
    page = c.get("/monitoring")
    assert page.status_code == 200 and "Мониторинг экзамена" in page.text
    for h, v in (("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"), ("x-content-type-options", "nosniff")):
        assert page.headers[h] == v
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    old_cookie = c.cookies["auditoria_session"]
    # sign-out needs the session's CSRF token too
    assert c.post("/logout", data={}).status_code == 403
    r = c.post("/logout", data={"csrf": _csrf(page.text)})
    assert r.status_code == 303
    assert httpx.get(live.url + "/api/v1/monitoring", cookies={"auditoria_session": old_cookie}).status_code == 401
    log = _audit(live.db)
    assert [a for a, _ in log][:3] == ["login-failed", "login", "logout"]


def _audit(db: str) -> list[tuple[str, str]]:
    e = make_engine(db)
    with e.connect() as conn:
        rows = [(r.action, r.username) for r in conn.execute(select(t.audit).order_by(t.audit.c.id))]
    e.dispose()
    return rows


def test_login_is_throttled(live):
    password = live.add_user("chief")
    c = httpx.Client(base_url=live.url)
    token = _csrf(c.get("/login").text)
    for _ in range(5):
        assert c.post("/login", data={"csrf": token, "username": "chief", "password": "guess guess"}).status_code == 401
    r = c.post("/login", data={"csrf": token, "username": "chief", "password": password})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and "Слишком много" in r.text
    assert ("login", "chief") not in _audit(live.db)


def test_viewer_sees_one_municipality_and_exports_are_audited(live, hq_db):
    code = live.add_ppe("0412")
    from tests.server.conftest import cli

    cli("server", "add-ppe", "--db", live.db, "--region", "66", "--msu", "044", "--ppe", "0413", "--name", "СОШ 4")
    assert sync_once(Station.open(hq_db), live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    own = live.login("viewer043", "viewer", "66", "043")
    other = live.login("viewer044", "viewer", "66", "044")
    assert {p["ppe"] for p in own.get("/api/v1/monitoring").json()["ppes"]} == {"66/0412"}
    assert other.get("/api/v1/monitoring").json()["ppes"] == []
    r = other.get("/api/v1/monitoring/events", params={"day": "2026-06-04/01", "metric": "absent", "ppe": "66/0412"})
    assert r.json()["count"] == 0
    assert "/monitoring?day=2026-06-04%2F01&amp;ppe=66%2F0412" not in other.get("/monitoring").text
    assert other.get("/admin").status_code == 403
    assert own.get("/monitoring.csv").status_code == 200 and own.get("/monitoring.xlsx").status_code == 200
    log = _audit(live.db)
    assert ("export-csv", "viewer043") in log and ("export-xlsx", "viewer043") in log


def test_no_personal_data_on_pages_or_api(live, official, hq_db):
    st = Station.open(hq_db)
    p = st.plan.room_participants("0101")[0]
    old = p.last_name
    st.record("correction", "0101", p.code, payload={"field": "last_name", "old": old, "new": "Зайцева-Бельская"})
    st.close()
    code = live.add_ppe("0412")
    st = Station.open(hq_db)
    assert sync_once(st, live.url, enroll_code=code, backoff=FAST).outcome == "accepted"
    q = {"ppe": "66/0412", "day": "2026-06-04/01", "metric": "corrections"}
    api = official.get("/api/v1/monitoring/events", params=q)
    page = official.get("/monitoring/events", params=q)
    assert api.json()["count"] >= 1 and page.status_code == 200
    assert api.json()["events"][-1]["payload"] == {"field": "last_name"}
    assert "фамилия" in page.text
    for text in (api.text, page.text, official.get("/monitoring", params={"ppe": "66/0412"}).text,
                 official.get("/monitoring.csv").content.decode("utf-8-sig")):
        assert "Зайцева-Бельская" not in text and old not in text
    for person in st.plan.participants.values():
        assert person.last_name not in page.text


@pytest.mark.parametrize("role", ["admin"])
def test_add_user_refuses_bad_input(live, role):
    from tests.server.conftest import cli

    pw = live.log.parent / "short.txt"
    pw.write_text("short\n")
    r = cli("server", "add-user", "--db", live.db, "--username", "x1", "--role", role, "--password-file", str(pw),
            check=False)
    assert r.returncode == 2 and "at least 10" in r.stderr
    pw.write_text("long enough password\n")
    r = cli("server", "add-user", "--db", live.db, "--username", "v1", "--role", "viewer", "--password-file", str(pw),
            check=False)
    assert r.returncode == 2 and "municipality" in r.stderr
    e = make_engine(live.db)
    with e.connect() as conn:
        assert conn.execute(select(t.users)).all() == []
    e.dispose()
