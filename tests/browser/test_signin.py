"""Sign-in from the main site in real Chromium, for every role, with the CSP as strict as ever.

The main site's sign-in form posts to itself (``form-action 'self'``); its answer navigates
to the user's dashboard host with a one-time token, and that host opens the session.  A
cross-host redirect of the POST would be blocked by Chromium, which is what this guards.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import NOW


def _sign_in(page, domain: str, email: str, lang: str = "en") -> None:
    page.goto(f"http://{domain}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", "password123")
    page.click("form button[type=submit]")


@pytest.mark.parametrize(
    ("email", "area", "guarded"),
    [
        ("owner@example.com", "owner.anna", "/settings"),
        ("manager@example.com", "manager.anna", "/masters"),
        ("aigerim@example.com", "master.anna", "/upcoming"),
        ("root@jazyl.test", "admin", "/audit"),
    ],
)
def test_each_role_signs_in_from_the_main_site(salon, create_user, commit, live_server, browser, email, area, guarded):
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/login") as posted:
        _sign_in(page, live_server, email)
    response = posted.value
    assert response.status == 200
    assert "form-action 'self'" in response.headers["content-security-policy"]
    host = f"{area}.{live_server}"
    page.wait_for_url(lambda url: urlsplit(url).netloc == host and urlsplit(url).path == "/", timeout=10_000)
    assert not blocked, blocked
    # Signed in there: a page behind the dashboard's guard opens instead of its sign-in page.
    page.goto(f"http://{host}{guarded}")
    assert urlsplit(page.url).path == guarded
    assert page.locator("form[action$='/logout'], form[action='/logout']").count() >= 1
    context.close()


def test_a_spent_or_expired_token_shows_a_clear_page(salon, live_server, browser, frozen_now):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    handoffs: list[str] = []
    page.on("request", lambda r: handoffs.append(r.url) if "/auth/handoff" in r.url else None)
    _sign_in(page, live_server, "owner@example.com", lang="ru")
    page.wait_for_url(f"http://owner.anna.{live_server}/", timeout=10_000)
    assert len(handoffs) == 1
    # The same link again (a copied URL, the back button): refused, in Russian, with a way back.
    page.goto(handoffs[0])
    assert page.locator("#handoff-refused").is_visible()
    assert page.get_attribute("html", "lang") == "ru"
    page.click("#signin-again")
    assert urlsplit(page.url).netloc == live_server and urlsplit(page.url).path == "/login"

    # A token older than a minute is refused too, and signs nobody in.
    fresh = browser.new_context()
    p2 = fresh.new_page()

    def hold(route):  # the page as the server sent it, minus the automatic refresh
        if route.request.method != "POST":
            return route.continue_()
        answer = route.fetch()
        return route.fulfill(response=answer, body=answer.text().replace('http-equiv="refresh"', 'data-held="1"'))

    p2.route(lambda url: urlsplit(url).path == "/login", hold)
    p2.goto(f"http://{live_server}/login")
    p2.fill("#email", "owner@example.com")
    p2.fill("#password", "password123")
    p2.click("form button[type=submit]")
    p2.wait_for_selector("#handoff #continue")
    link = p2.get_attribute("#handoff #continue", "href")
    frozen_now(NOW + timedelta(seconds=61))
    p2.goto(link)
    assert p2.locator("#handoff-refused").is_visible()
    p2.goto(f"http://owner.anna.{live_server}/settings")
    assert urlsplit(p2.url).path == "/login"
    # A tampered token: refused with the same clear page.
    p2.goto(link[:-3] + "xyz")
    assert p2.locator("#handoff-refused").is_visible()
    fresh.close()
    context.close()


def test_registration_ends_signed_in_on_the_owner_dashboard(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://{live_server}/register?lang=en")
    page.fill("#business_name", "Aru Studio")
    page.fill("#subdomain", "aru-studio")
    page.fill("#owner_name", "Aru")
    page.fill("#email", "aru@example.com")
    page.fill("#password", "password123")
    page.click("form button[type=submit]")
    page.wait_for_selector("#open-dashboard")
    page.click("#open-dashboard")
    host = f"owner.aru-studio.{live_server}"
    page.wait_for_url(lambda url: urlsplit(url).netloc == host, timeout=10_000)
    page.goto(f"http://{host}/settings")
    assert urlsplit(page.url).path == "/settings"
    context.close()
