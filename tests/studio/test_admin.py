"""The Django admin pages of the studio's models open (storage has no public URL, so
file fields are shown as links to the access-checked media view)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "model",
    ["generations_catalogentry", "generations_generation", "generations_generatedimage",
     "spend_ledgerentry"],
)  # fmt: skip
def test_every_list_opens(admin_client, finished, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_a_generation_and_its_image_open(admin_client, finished):
    image = finished.images.get()
    page = admin_client.get(reverse("admin:generations_generation_change", args=[finished.pk]))
    assert page.status_code == 200
    assert reverse("image-original", args=[image.pk]) in page.content.decode()
    page = admin_client.get(reverse("admin:generations_generatedimage_change", args=[image.pk]))
    assert page.status_code == 200


def test_the_admin_is_for_staff_only(owner_client, finished):
    response = owner_client.get(reverse("admin:generations_generation_changelist"))
    assert response.status_code == 302
