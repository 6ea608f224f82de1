"""Who a company account becomes (sso.accounts, sso.placement): the user found by
issuer + sub, made on first sign-in, placed in a team by group or e-mail domain, its
role from the claim; refused for a disallowed domain or an unverified e-mail."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model

from audit.models import AuditEvent
from sso.accounts import SignInRefused, sso_signin
from sso.models import SsoIdentity
from sso.placement import role_for, team_name_for
from teams.access import membership_of, memberships_of
from teams.models import Membership, Team
from tests.factories import member

pytestmark = pytest.mark.django_db

ISSUER = "https://id.acme.test"
User = get_user_model()


def claims(sub="ana-1", email="ana@acme.test", **more):
    return {"sub": sub, "email": email, "email_verified": True, **more}


def sign_in(**kwargs):
    return sso_signin(issuer=ISSUER, claims=claims(**kwargs))


def fresh(user):
    """The user as a new request would load it (memberships are cached per object)."""
    return User.objects.get(pk=user.pk)


# --- team placement ---------------------------------------------------------------------


def test_a_first_sign_in_creates_the_user_in_the_team_of_their_domain(rules):
    user = sign_in(given_name="Ana", family_name="Lima")

    membership = membership_of(fresh(user))
    assert membership.team.name == "Acme Design"
    assert membership.role == "member"
    assert membership.current
    assert (user.username, user.email, user.first_name) == ("ana", "ana@acme.test", "Ana")
    assert not user.has_usable_password()  # company accounts sign in only through SSO
    identity = SsoIdentity.objects.get()
    assert (identity.user_id, identity.issuer, identity.subject) == (user.pk, ISSUER, "ana-1")


def test_an_existing_team_of_that_name_is_joined_not_duplicated(rules):
    boss = member("boss", role="admin")
    acme = membership_of(boss).team
    acme.name = "Acme Design"
    acme.save()

    user = sign_in()

    assert membership_of(fresh(user)).team == acme
    assert Team.objects.filter(name="Acme Design").count() == 1


def test_the_group_claim_wins_over_the_domain(rules):
    user = sign_in(groups=["staff", "illustrators"])

    assert [m.team.name for m in memberships_of(fresh(user))] == ["Illustration"]


def test_a_single_group_given_as_a_string_counts_too(rules):
    user = sign_in(email="bo@design.test", groups="illustrators")

    assert membership_of(fresh(user)).team.name == "Illustration"


def test_a_new_team_gets_its_first_user_as_admin_only_when_the_role_claim_says_admin(rules):
    admin = sign_in(sub="a", email="ada@acme.test", studio_role="admin")
    plain = sign_in(sub="b", email="bo@design.test", groups=["illustrators"])

    assert membership_of(fresh(admin)).role == "admin"
    illustration = membership_of(fresh(plain))
    assert (illustration.team.name, illustration.role) == ("Illustration", "member")
    assert not Membership.objects.filter(team=illustration.team, role="admin").exists()


def test_no_matching_rule_leaves_the_user_on_no_team(rules):
    user = sign_in(email="cy@design.test")

    assert memberships_of(fresh(user)) == []


def test_someone_on_no_team_is_placed_once_a_rule_fits(rules, settings):
    user = sign_in(email="cy@design.test")
    settings.OIDC_TEAM_BY_DOMAIN = {"design.test": "Design"}

    sign_in(email="cy@design.test")

    assert membership_of(fresh(user)).team.name == "Design"


def test_someone_already_on_a_team_is_not_moved_by_a_new_group(rules):
    user = sign_in()

    sign_in(groups=["illustrators"])

    assert [m.team.name for m in memberships_of(fresh(user))] == ["Acme Design"]
    assert not Team.objects.filter(name="Illustration").exists()


def test_a_member_an_admin_removed_is_not_added_back(rules):
    from teams import actions

    boss = sign_in(sub="boss", email="boss@acme.test", studio_role="admin")
    user = sign_in()
    team = membership_of(fresh(boss)).team
    other = Team.objects.create(name="Elsewhere")
    Membership.objects.create(user=user, team=other)
    actions.member_remove(team=team, user_id=user.pk)

    sign_in()

    assert [m.team.name for m in memberships_of(fresh(user))] == ["Elsewhere"]


# --- roles ------------------------------------------------------------------------------


def test_the_role_claim_updates_the_role_at_each_sign_in(rules):
    sign_in(sub="boss", email="boss@acme.test", studio_role="admin")
    user = sign_in(studio_role="member")
    assert membership_of(fresh(user)).role == "member"

    sign_in(studio_role="admin")
    assert membership_of(fresh(user)).role == "admin"

    sign_in(studio_role="member")
    assert membership_of(fresh(user)).role == "member"


def test_without_a_role_claim_the_role_is_left_as_an_admin_set_it(rules):
    from teams import actions

    user = sign_in()
    membership = membership_of(fresh(user))
    actions.member_set_role(team=membership.team, user_id=user.pk, role="admin")

    sign_in()

    assert membership_of(fresh(user)).role == "admin"


def test_the_teams_only_admin_keeps_the_role_when_the_claim_demotes_them(rules):
    user = sign_in(studio_role="admin")

    sign_in(studio_role="member")

    assert membership_of(fresh(user)).role == "admin"


def test_role_claim_values_other_than_admin_or_member_are_ignored(rules):
    assert role_for({"studio_role": "Admin"}) == "admin"
    assert role_for({"studio_role": ["viewer", "admin"]}) == "admin"
    assert role_for({"studio_role": "owner"}) is None
    assert role_for({"studio_role": 1}) is None
    assert role_for({}) is None


def test_team_rules_read_nothing_when_their_settings_are_empty(settings):
    settings.OIDC_GROUPS_CLAIM = ""
    settings.OIDC_TEAM_BY_GROUP = {"illustrators": "Illustration"}
    settings.OIDC_TEAM_BY_DOMAIN = {}
    settings.OIDC_ROLE_CLAIM = ""

    assert team_name_for(claims(groups=["illustrators"])) is None
    assert role_for({"studio_role": "admin"}) is None


# --- the same person again, and nobody else's account --------------------------------------


def test_the_same_issuer_and_subject_reuse_the_user(rules):
    first = sign_in()

    again = sign_in(email="ana.lima@acme.test", given_name="Ana")

    assert again.pk == first.pk
    assert User.objects.count() == 1
    identity = SsoIdentity.objects.get()
    assert identity.email == "ana.lima@acme.test"
    assert fresh(first).email == "ana.lima@acme.test"
    assert identity.last_login is not None


def test_the_same_subject_at_another_issuer_is_another_person(rules):
    first = sign_in()

    other = sso_signin(issuer="https://id.other.test", claims=claims())

    assert other.pk != first.pk
    assert SsoIdentity.objects.count() == 2


def test_an_email_matching_a_local_account_does_not_take_it_over(rules, client):
    local = member("ana")
    local.email = "ana@acme.test"
    local.save()

    user = sign_in()

    assert user.pk != local.pk
    assert user.username == "ana-2"
    assert not SsoIdentity.objects.filter(user=local).exists()
    # The local account keeps its password, its team and its own sign-in.
    assert authenticate(username="ana", password="pw-ana") == local
    assert membership_of(fresh(local)).team.name == "ana's team"


def test_usernames_are_made_from_the_email_and_kept_unique(rules):
    member("bo")
    first = sign_in(sub="1", email="bo@acme.test")
    second = sign_in(sub="2", email="BO@design.test")
    odd = sign_in(sub="3", email="f!o o@acme.test")

    assert (first.username, second.username, odd.username) == ("bo-2", "bo-3", "foo")


# --- refusals -----------------------------------------------------------------------------


def test_a_disallowed_domain_is_refused_naming_it_and_nothing_is_made(rules):
    with pytest.raises(SignInRefused) as refused:
        sign_in(email="eve@evil.test")

    assert "evil.test" in refused.value.message
    assert "studio username and password" in refused.value.message
    assert not User.objects.exists()
    assert not SsoIdentity.objects.exists()


def test_a_known_account_whose_domain_is_no_longer_allowed_is_refused(rules, settings):
    sign_in(email="cy@design.test")
    settings.OIDC_ALLOWED_DOMAINS = ["acme.test"]

    with pytest.raises(SignInRefused, match="design.test"):
        sign_in(email="cy@design.test")


def test_any_domain_may_sign_in_when_none_are_listed(rules, settings):
    settings.OIDC_ALLOWED_DOMAINS = []

    assert sign_in(email="zoe@anywhere.test").username == "zoe"


@pytest.mark.parametrize("verified", [False, "false", "False"])
def test_an_unverified_email_is_refused(rules, verified):
    with pytest.raises(SignInRefused, match="not verified"):
        sign_in(email_verified=verified)

    assert not User.objects.exists()


def test_a_verified_email_signs_in(rules):
    assert sign_in(sub="1", email_verified=True)
    assert sign_in(sub="2", email="bo@acme.test", email_verified="true")


def test_without_the_verified_claim_a_domain_grants_nothing(rules, settings):
    """The domain decides who signs in and which team they join, so an address the
    provider does not vouch for is refused, unless the provider is trusted to send only
    verified ones; with no domain rules, the address decides nothing."""
    unvouched = {"sub": "bo-1", "email": "bo@acme.test"}
    with pytest.raises(SignInRefused, match="did not say that bo@acme.test is verified"):
        sso_signin(issuer=ISSUER, claims=unvouched)
    assert not User.objects.exists()

    settings.OIDC_TRUST_UNVERIFIED_EMAIL = True
    assert sso_signin(issuer=ISSUER, claims=unvouched).username == "bo"

    settings.OIDC_TRUST_UNVERIFIED_EMAIL = False
    settings.OIDC_ALLOWED_DOMAINS, settings.OIDC_TEAM_BY_DOMAIN = [], {}
    assert sso_signin(issuer=ISSUER, claims={"sub": "cy-1", "email": "cy@acme.test"})


@pytest.mark.parametrize("email", [None, "", "not-an-address"])
def test_an_account_without_an_email_is_refused(rules, email):
    with pytest.raises(SignInRefused, match="did not share an e-mail address"):
        sign_in(email=email)


def test_a_switched_off_user_is_refused(rules):
    user = sign_in()
    User.objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(SignInRefused, match="switched off"):
        sign_in()


# --- audit --------------------------------------------------------------------------------


def test_each_sign_in_is_recorded_with_whether_the_user_was_created(rules):
    user = sign_in(studio_role="admin")
    sign_in(studio_role="admin")

    events = list(AuditEvent.objects.filter(action="sso.signin").order_by("pk"))
    assert [e.after["created"] for e in events] == [True, False]
    assert all(e.actor_id == user.pk for e in events)
    team_id = membership_of(fresh(user)).team_id
    assert events[0].team_id == team_id
    assert events[0].after["team"] == "Acme Design"
    assert events[0].after["role"] == "admin"


def test_a_role_change_by_the_claim_is_recorded_before_and_after(rules):
    sign_in(sub="boss", email="boss@acme.test", studio_role="admin")
    sign_in(studio_role="member")
    sign_in(studio_role="admin")

    event = AuditEvent.objects.filter(action="sso.signin").order_by("-pk").first()
    assert event.before == {"role": "member"}
    assert event.after["role"] == "admin"


def test_a_refused_sign_in_records_nothing(rules):
    with pytest.raises(SignInRefused):
        sign_in(email="eve@evil.test")

    assert not AuditEvent.objects.filter(action="sso.signin").exists()
