"""Sign-in: rate limited per account and per address, on both login pages."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password, address="10.0.0.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_right_password_signs_in(client, owner):
    response = sign_in(client, "owner", "pw-owner")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_after_five_failures_even_the_right_password_waits(client, owner, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert sign_in(client, "owner", "wrong").status_code == 200

    response = sign_in(client, "owner", "pw-owner")

    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_guessing_many_accounts_from_one_address_is_slowed_too(client, owner, stranger, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, f"nobody-{i}", "wrong")

    assert sign_in(client, "stranger", "pw-stranger").status_code == 429


def test_one_account_guessed_from_many_addresses_is_locked(client, owner, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "owner", "wrong", address=f"10.0.1.{i}")

    assert sign_in(client, "owner", "pw-owner", address="10.0.2.1").status_code == 429


def test_other_people_are_not_locked_out_by_a_guesser(client, owner, stranger, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "owner", "wrong", address="10.0.0.1")

    assert sign_in(client, "stranger", "pw-stranger", address="10.9.9.9").status_code == 302


def test_the_admin_login_is_limited_as_well(client, owner, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "owner", "wrong", path="/admin/login/")

    assert sign_in(client, "owner", "pw-owner", path="/admin/login/").status_code == 429
