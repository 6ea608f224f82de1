"""The SSRF guard: private, loopback, link-local, metadata and other non-public
addresses are refused, written as literals or behind a host name, at save time and
again at delivery time; the sender connects only to the address it checked."""

from __future__ import annotations

import socket

import pytest

from webhooks.guard import TargetRefused, target_check


def resolving(monkeypatch, table: dict[str, list[str]]) -> list[str]:
    """socket.getaddrinfo answering from `table`; returns the names looked up."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00:ec2::254]/",
        "https://192.168.1.20/",
        "https://172.16.0.5/",
        "https://0.0.0.0/",
        "https://[::]/",
        "https://224.0.0.1/",
        "https://100.64.0.1/",  # carrier-grade NAT: not public
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",  # IPv4 inside IPv6
        "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "https://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
        "https://localhost/hook",
    ],
)
def test_it_refuses_addresses_that_are_not_public(url, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(TargetRefused, match="public addresses"):
        target_check(url)


@pytest.mark.parametrize("address", ["10.0.0.1", "127.0.0.1", "169.254.169.254", "::1"])
def test_it_refuses_a_host_name_resolving_to_them(address, monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    resolving(monkeypatch, {"hooks.example.com": [address]})
    with pytest.raises(TargetRefused) as refused:
        target_check("https://hooks.example.com/in")
    assert f"resolves to {address}" in str(refused.value)


def test_one_bad_address_among_good_ones_is_enough_to_refuse(monkeypatch):
    resolving(monkeypatch, {"mixed.example.com": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(TargetRefused, match="10.1.2.3, a private address"):
        target_check("https://mixed.example.com/")


def test_the_metadata_address_is_named_as_such(monkeypatch):
    resolving(monkeypatch, {"meta.example.com": ["169.254.169.254"]})
    with pytest.raises(TargetRefused, match="cloud metadata"):
        target_check("https://meta.example.com/")


def test_a_public_https_target_passes_with_every_address_kept(monkeypatch):
    resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"]})
    target = target_check("https://Hooks.Example.com:8443/in?team=1")
    assert target.scheme == "https" and target.host == "hooks.example.com"
    assert target.port == 8443 and target.path == "/in?team=1"
    assert target.addresses == ("93.184.216.34", "2606:2800:220:1::1")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/", "https://"),
        ("ftp://hooks.example.com/", "https://"),
        ("https://user:pw@hooks.example.com/", "user name and password"),
        ("https://unknown.invalid/", "could not be found"),
    ],
)
def test_other_bad_urls_get_a_plain_reason(url, message, monkeypatch):
    resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    with pytest.raises(TargetRefused, match=message):
        target_check(url)


def test_the_loopback_setting_lets_only_127_0_0_1_and_1_through(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert target_check("http://127.0.0.1:8000/hook").addresses == ("127.0.0.1",)
    assert target_check("http://[::1]:8000/hook").addresses == ("::1",)
    for url in ("http://10.0.0.1/", "https://169.254.169.254/", "https://127.0.0.2/"):
        with pytest.raises(TargetRefused):
            target_check(url)


def test_plain_http_is_refused_for_public_hosts_even_with_loopback_allowed(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    with pytest.raises(TargetRefused, match="https://"):
        target_check("http://hooks.example.com/")


# --- at delivery time -------------------------------------------------------------------


@pytest.mark.django_db
def test_dns_that_changed_after_saving_is_refused_at_delivery(
    make_endpoint, receiver, queue, run_queued, committed, monkeypatch
):
    from webhooks.events import endpoint_test_send
    from webhooks.models import Delivery

    resolving(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    endpoint = make_endpoint(url=f"http://hooks.example.test:{receiver.port}/in")
    resolving(monkeypatch, {"hooks.example.test": ["10.0.0.7"]})  # rebound

    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()

    row = Delivery.objects.get(pk=row.pk)
    assert receiver.received == []
    assert row.status == "failed"
    assert "10.0.0.7, a private address" in row.tries.get().error


@pytest.mark.django_db
def test_it_connects_to_the_checked_address_and_sends_the_host_name(
    make_endpoint, receiver, queue, run_queued, committed, monkeypatch
):
    """One lookup a try: the request goes to the address the guard checked, with the
    name in the Host header, so a second answer from DNS is never used."""
    from webhooks.events import endpoint_test_send

    asked = resolving(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    endpoint = make_endpoint(url=f"http://hooks.example.test:{receiver.port}/in")
    asked.clear()

    with committed():
        endpoint_test_send(endpoint=endpoint)
    run_queued()

    assert asked == ["hooks.example.test"]
    (received,) = receiver.received
    assert received.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert received.valid


# --- at save time -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_shows_the_refusal(team_admin_client, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = team_admin_client.post(
        "/team/webhooks",
        {"url": "https://169.254.169.254/latest/", "events": ["generation.succeeded"]},
    )
    assert response.status_code == 422
    assert b"a cloud metadata address" in response.content
    assert b"https://169.254.169.254/latest/" in response.content  # kept as typed
