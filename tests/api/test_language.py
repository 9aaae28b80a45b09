"""API messages follow the request's Accept-Language, even for a user who prefers another language."""

import pytest


@pytest.fixture
def russian_owner(create_tenant, create_user, commit):
    tenant = create_tenant("tilshi")
    create_user(tenant, role="owner", email="owner@tilshi.example", password="password123", language="ru")
    commit()
    return tenant


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("kk", "Кейбір өрістер"),
        ("en", "Some fields are not valid."),
        (None, "Некоторые поля"),  # no header: the user's own language
    ],
)
def test_accept_language_beats_the_users_stored_language(api, login, russian_owner, header, expected):
    token = login("owner@tilshi.example")["access_token"]
    headers = {"Accept-Language": header} if header else {}
    status, body, _ = api.post("/service", json={"name": ""}, token=token, headers=headers)
    assert status == 422
    assert body["error"] == "validation_error"
    assert body["message"].startswith(expected)
