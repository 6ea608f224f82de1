"""Sign-in limits (django-axes, studio/signin.py): the pair (username, address) pauses
after a few failures; nobody else can lock a user out; spread-out guessing is only
slowed; the username is normalised like Django's; behind nginx the address is the
client's; sign-in works while Redis is down."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from studio import signin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(settings):
    """The slowdown's wait is measured by slowdown_seconds; tests do not sleep it."""
    settings.LOGIN_SLOWDOWN_SECONDS = 0.0


def sign_in(client, username, password, address="10.0.0.1", path="/accounts/login/", **meta):
    data = {"username": username, "password": password}
    return client.post(path, data, REMOTE_ADDR=address, **meta)


def fail(times: int, username: str, address: str = "10.0.0.1") -> None:
    for _ in range(times):  # the failure that reaches the limit already answers 429
        assert sign_in(Client(), username, "wrong", address).status_code in (200, 429)


def test_the_right_password_signs_in(client, owner):
    response = sign_in(client, "owner", "pw-owner")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_after_five_failures_from_one_address_even_the_right_password_waits(
    client, owner, settings
):
    fail(settings.LOGIN_FAILURE_LIMIT, "owner")

    response = sign_in(client, "owner", "pw-owner")

    assert response.status_code == 429
    assert b"Too many failed sign-ins for this account from here" in response.content
    assert b'name="username"' in response.content  # the form is still there
    assert "_auth_user_id" not in client.session


def test_failures_from_another_address_never_lock_the_real_user_out(client, owner, settings):
    fail(settings.LOGIN_FAILURE_LIMIT * 4, "owner", address="203.0.113.9")

    assert sign_in(client, "owner", "pw-owner", address="10.0.0.1").status_code == 302


def test_failures_at_other_accounts_do_not_lock_someone_out(client, owner, stranger, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT * 2):
        sign_in(Client(), f"nobody-{i}", "wrong")

    assert sign_in(client, "stranger", "pw-stranger").status_code == 302


def test_a_full_width_username_counts_against_the_same_account(client, owner, settings):
    fail(settings.LOGIN_FAILURE_LIMIT, "ｏｗｎｅｒ")  # NFKC: "owner"

    assert sign_in(client, "owner", "pw-owner").status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"owner"}


def test_a_successful_sign_in_resets_the_pairs_count(client, owner, settings):
    fail(settings.LOGIN_FAILURE_LIMIT - 1, "owner")
    assert sign_in(client, "owner", "pw-owner").status_code == 302
    client.logout()

    fail(settings.LOGIN_FAILURE_LIMIT - 1, "owner")
    assert sign_in(client, "owner", "pw-owner").status_code == 302


def test_behind_the_proxy_each_client_has_its_own_address(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    nginx = "172.18.0.5"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), "owner", "wrong", nginx, HTTP_X_FORWARDED_FOR="198.51.100.7")

    real = sign_in(client, "owner", "pw-owner", nginx, HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert real.status_code == 302
    guesser = sign_in(Client(), "owner", "pw-owner", nginx, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert guesser.status_code == 429
    # What a client writes into the header itself sits left of nginx's entry: ignored.
    forged = sign_in(
        Client(), "owner", "pw-owner", nginx, HTTP_X_FORWARDED_FOR="192.0.2.44, 198.51.100.7"
    )
    assert forged.status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_for_is_ignored(client, owner, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), "owner", "wrong", "10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")

    assert sign_in(client, "owner", "pw-owner", "10.0.0.1").status_code == 429


def test_spread_out_guessing_is_slowed_but_never_refused(client, owner, settings, rf):
    settings.LOGIN_SLOWDOWN_SECONDS = 1.0
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
    assert signin.slowdown_seconds(request, "owner") == 0.0

    for i in range(settings.LOGIN_FAILURE_LIMIT * signin.SLOW_AFTER):
        sign_in(Client(), "owner", "wrong", address=f"203.0.113.{i}")

    assert signin.slowdown_seconds(request, "owner") == 1.0
    settings.LOGIN_SLOWDOWN_SECONDS = 0.0
    assert sign_in(client, "owner", "pw-owner", "10.0.0.1").status_code == 302  # slowed only
    client.logout()
    settings.LOGIN_SLOWDOWN_SECONDS = 1.0
    assert signin.slowdown_seconds(request, "owner") == 0.0  # a known address now


def test_guessing_many_accounts_from_one_address_is_slowed(owner, settings, rf):
    settings.LOGIN_SLOWDOWN_SECONDS = 1.0
    for i in range(settings.LOGIN_FAILURE_LIMIT * signin.SLOW_AFTER):
        sign_in(Client(), f"nobody-{i}", "wrong", address="10.6.6.6")

    request = rf.post("/accounts/login/", REMOTE_ADDR="10.6.6.6")
    assert signin.slowdown_seconds(request, "owner") == 1.0


def test_the_admin_login_is_limited_as_well(client, owner, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(), "owner", "wrong", path="/admin/login/")

    assert sign_in(client, "owner", "pw-owner", path="/admin/login/").status_code == 429


def test_sign_in_and_pages_work_while_redis_is_down(client, owner, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    fail(2, "owner")
    assert sign_in(client, "owner", "pw-owner").status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/gallery").status_code == 200
