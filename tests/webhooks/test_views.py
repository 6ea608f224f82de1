"""The webhook pages: team admins only (members and strangers get a 404, anonymous
visitors the sign-in page); forms that explain a refusal and keep what was typed;
the secret shown, rotated, and the log with its filters and "send again"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import member
from webhooks.events import endpoint_test_send, event_emit
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint(events=["generation.succeeded", "budget.threshold"])


@pytest.fixture
def sent(endpoint, committed, run_queued, receiver):
    """A delivery to the endpoint, already answered (200)."""
    with committed():
        (pk,) = event_emit(
            team_id=endpoint.team_id,
            event="generation.succeeded",
            key="generation.succeeded:1",
            data={"id": 1},
        )
    run_queued()
    return Delivery.objects.get(pk=pk)


def urls(endpoint, delivery) -> dict[str, str]:
    """Every page, with the method that matters for it."""
    e, d = endpoint.pk, delivery.pk
    return {
        "/team/webhooks": "get",
        f"/team/webhooks/{e}": "get",
        f"/team/webhooks/{e}/rotate": "post",
        f"/team/webhooks/{e}/test": "post",
        "/team/webhooks/deliveries": "get",
        f"/team/webhooks/deliveries/{d}": "get",
        f"/team/webhooks/deliveries/{d}/resend": "post",
        f"/team/webhooks/{e}/delete": "post",  # last: the admin's pass deletes it
    }


def test_only_the_teams_admins_reach_any_page(endpoint, sent, owner, stranger, team_admin):
    for who in (owner, stranger):  # owner: a plain member of the team
        client = Client()
        client.force_login(who)
        for url, method in urls(endpoint, sent).items():
            assert getattr(client, method)(url).status_code == 404, (who.username, url)
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()  # nothing was deleted

    client = Client()
    client.force_login(team_admin)
    for url, method in urls(endpoint, sent).items():
        assert getattr(client, method)(url).status_code in (200, 302), url


def test_anonymous_visitors_are_sent_to_sign_in(endpoint, sent):
    client = Client()
    for url, method in urls(endpoint, sent).items():
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        ), url


def test_another_teams_admin_sees_only_their_own_teams(endpoint, sent, login):
    client = login(member("outsider", role="admin"))
    lists = {"/team/webhooks", "/team/webhooks/deliveries"}
    for url, method in urls(endpoint, sent).items():
        response = getattr(client, method)(url)
        if url in lists:  # their own team's pages, without ours in them
            page = response.content.decode()
            assert endpoint.url not in page and sent.message_id not in page, url
        else:
            assert response.status_code == 404, url
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_an_admin_adds_an_endpoint_and_sees_its_secret(team_admin_client, loopback, receiver):
    response = team_admin_client.post(
        "/team/webhooks",
        {
            "url": receiver.url,
            "description": "CI pipeline",
            "events": ["generation.failed", "generation.succeeded"],
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/team/webhooks/{endpoint.pk}"
    assert endpoint.events == ["generation.succeeded", "generation.failed"]
    assert endpoint.secret.startswith("whsec_") and endpoint.enabled
    page = team_admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret in page and "Endpoint added" in page
    listing = team_admin_client.get("/team/webhooks").content.decode()
    assert receiver.url in listing and "CI pipeline" in listing


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"url": "https://10.0.0.1/x", "events": ["generation.failed"]}, "a private address"),
        ({"url": "http://127.0.0.1:9/x", "events": ["generation.failed"]}, "loopback"),
        ({"url": "not a url", "events": ["generation.failed"]}, "Enter a valid URL"),
        ({"url": "https://10.0.0.1/x", "events": []}, "Choose at least one event"),
        ({"url": "https://10.0.0.1/x", "events": ["no.such"]}, "Select a valid choice"),
    ],
)
def test_a_bad_endpoint_gets_its_reason_and_keeps_what_was_typed(
    team_admin_client, form, message, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = team_admin_client.post("/team/webhooks", {**form, "description": "kept note"})
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and "kept note" in page
    assert Endpoint.objects.count() == 0


def test_an_empty_post_is_a_form_with_errors_not_a_500(team_admin_client):
    response = team_admin_client.post("/team/webhooks", {})
    assert response.status_code == 422 and b"This field is required" in response.content


def test_editing_checks_the_new_url_too(team_admin_client, endpoint, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = team_admin_client.post(
        f"/team/webhooks/{endpoint.pk}",
        {"url": "https://169.254.169.254/", "events": ["generation.failed"], "enabled": "on"},
    )
    assert response.status_code == 422 and b"cloud metadata" in response.content
    assert Endpoint.objects.get(pk=endpoint.pk).url == endpoint.url


def test_an_admin_turns_an_endpoint_off_and_changes_its_events(team_admin_client, endpoint):
    response = team_admin_client.post(
        f"/team/webhooks/{endpoint.pk}",
        {"url": endpoint.url, "description": "paused", "events": ["matrix.finished"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.events == ["matrix.finished"]
    assert (
        endpoint.disabled_reason == "Turned off by an admin." and not endpoint.disabled_by_failures
    )
    # Off by choice: no alarm on the team pages.
    assert b'id="webhook-notices"' not in team_admin_client.get("/team/").content


def test_rotating_shows_both_secrets_for_a_day(team_admin_client, endpoint):
    old = endpoint.secret
    response = team_admin_client.post(f"/team/webhooks/{endpoint.pk}/rotate")
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    page = team_admin_client.get(f"/team/webhooks/{endpoint.pk}").content.decode()
    assert endpoint.secret in page and old in page and "signs every message until" in page


def test_deleting_an_endpoint_takes_its_log(team_admin_client, endpoint, sent):
    response = team_admin_client.post(f"/team/webhooks/{endpoint.pk}/delete")
    assert response.status_code == 302
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


def test_send_test_event_reaches_the_receiver(
    team_admin_client, endpoint, receiver, committed, run_queued
):
    with committed():
        response = team_admin_client.post(f"/team/webhooks/{endpoint.pk}/test")
    run_queued()
    row = Delivery.objects.get()
    assert response["Location"] == f"/team/webhooks/deliveries/{row.pk}"
    (got,) = receiver.received
    assert got.valid and got.json["type"] == "webhook.test"
    page = team_admin_client.get(response["Location"]).content.decode()
    assert "Delivered" in page and "webhook.test" in page


def test_send_again_sends_the_same_message_as_a_new_log_row(
    team_admin_client, sent, receiver, committed, run_queued
):
    with committed():
        response = team_admin_client.post(f"/team/webhooks/deliveries/{sent.pk}/resend")
    run_queued()
    again = Delivery.objects.exclude(pk=sent.pk).get()
    assert response["Location"] == f"/team/webhooks/deliveries/{again.pk}"
    assert again.resent_from == sent and again.status == "delivered"
    first, second = receiver.received
    assert first.message_id == second.message_id == sent.message_id
    assert first.body == second.body and second.valid


def test_send_again_waits_for_a_delivery_still_in_progress(
    team_admin_client, endpoint, committed, queue
):
    with committed():
        (pk,) = event_emit(
            team_id=endpoint.team_id, event="budget.threshold", key="budget.threshold:9", data={}
        )
    response = team_admin_client.post(f"/team/webhooks/deliveries/{pk}/resend", follow=True)
    assert b"still being sent" in response.content
    assert Delivery.objects.count() == 1


def test_the_log_filters_by_endpoint_and_status(
    team_admin_client, endpoint, make_endpoint, receiver, committed, run_queued
):
    other = make_endpoint(events=["generation.succeeded"])
    receiver.answers = [500]
    with committed():
        endpoint_test_send(endpoint=endpoint)  # 500: failed (a test event is tried once)
        endpoint_test_send(endpoint=other)
    run_queued()
    failed = Delivery.objects.get(status="failed")
    delivered = Delivery.objects.get(status="delivered")

    def shown(query: str) -> set[int]:
        page = team_admin_client.get(f"/team/webhooks/deliveries?{query}").content.decode()
        return {d.pk for d in (failed, delivered) if f'data-delivery="{d.pk}"' in page}

    assert shown("") == {failed.pk, delivered.pk}
    assert shown("status=failed") == {failed.pk}
    assert shown(f"endpoint={other.pk}") == {delivered.pk}
    assert shown("event=webhook.test&status=delivered") == {delivered.pk}
    # A tampered filter is a notice, never a 500.
    response = team_admin_client.get("/team/webhooks/deliveries?endpoint=999999&status=lost")
    assert response.status_code == 200 and b"were not understood" in response.content


def test_the_log_swaps_in_place_for_htmx(team_admin_client, sent):
    response = team_admin_client.get(
        "/team/webhooks/deliveries?status=delivered", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="log"') and "<html" not in page


def test_a_receivers_answer_is_shown_escaped(
    team_admin_client, endpoint, receiver, committed, run_queued
):
    receiver.answer_body = b"<script>alert('x')</script>"
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    page = team_admin_client.get(f"/team/webhooks/deliveries/{row.pk}").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_the_team_nav_links_to_webhooks(team_admin_client):
    page = team_admin_client.get("/team/").content.decode()
    assert 'href="/team/webhooks"' in page


def test_a_team_has_at_most_twenty_endpoints(team_admin_client, make_endpoint, receiver):
    for _ in range(20):
        make_endpoint()
    response = team_admin_client.post(
        "/team/webhooks", {"url": receiver.url, "events": ["generation.failed"]}
    )
    assert response.status_code == 422 and b"A team can have 20 endpoints" in response.content


def test_every_change_is_in_the_audit_log_without_a_secret(team_admin_client, team_admin, endpoint):
    from audit.models import AuditEvent

    url = f"/team/webhooks/{endpoint.pk}"
    team_admin_client.post(
        url,
        {"url": endpoint.url, "description": endpoint.description, "events": ["generation.failed"]},
    )
    team_admin_client.post(f"{url}/rotate")
    team_admin_client.post(f"{url}/delete")

    rows = list(AuditEvent.objects.filter(action__startswith="webhook.").order_by("id"))
    assert [r.action for r in rows] == [
        "webhook.created",  # by make_endpoint, through the same service
        "webhook.changed",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]
    changed = rows[1]
    assert changed.actor == team_admin and changed.team_id == endpoint.team_id
    assert changed.before["events"] == ["generation.succeeded", "budget.threshold"]
    assert changed.after == {**changed.before, "events": ["generation.failed"], "enabled": False}
    text = " ".join(str([r.before, r.after]) for r in rows)
    assert "whsec_" not in text
