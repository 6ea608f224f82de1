"""The generation lifecycle: submit, run in the background, settle, sweep.

    generation_create  (web request) row + reservation, task queued on commit
    generations_sweep  (beat)        re-queue what a lost message or a dead worker left

The run itself (claim -> gateway call -> mirror -> finish) is generations.worker.

No gateway call happens inside a transaction, and only the holder of the current
attempt (the fencing token) can finish a generation, so a redelivered task can never
add images twice or settle twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from generations import approvals
from generations.catalog import StudioModel
from generations.inputs import (
    InputChoice,
    ReferenceProblem,
    check_inputs,
    save_inputs,
)
from generations.models import Generation
from llmtr import pricing
from llmtr import spec as llmtr_spec
from llmtr.validation import EDIT_FIELDS
from spend import ledger, money
from teams.access import team_of

log = logging.getLogger(__name__)


# --- submit --------------------------------------------------------------------------


def build_body(
    model: StudioModel,
    *,
    prompt: str,
    params: dict[str, Any],
    endpoint: str = llmtr_spec.GENERATIONS_PATH,
) -> dict[str, Any]:
    """The JSON body: the user's options, plus base64 results where the family allows
    a choice (URLs can expire before use). Inputs are added at run time."""
    body: dict[str, Any] = {"model": model.id, "prompt": prompt, **params}
    if endpoint == llmtr_spec.EDITS_PATH:
        body = {k: v for k, v in body.items() if k in EDIT_FIELDS}
    if model.spec.get_field("response_format"):
        body["response_format"] = "b64_json"
    return body


def generation_create(
    *,
    user: User,
    model: StudioModel,
    prompt: str,
    params: dict[str, Any],
    kind: str = Generation.Kind.TEXT,
    parent: Generation | None = None,
    inputs: list[InputChoice] | None = None,
    endpoint: str = llmtr_spec.GENERATIONS_PATH,
) -> Generation:
    """Record a generation, reserve its estimate, and queue its task after commit.
    Raises ReferenceProblem when the inputs break the model's rules."""
    if model.price is None:
        raise ReferenceProblem(model.unpriced_message)
    inputs = inputs or []
    if endpoint != llmtr_spec.EDITS_PATH:
        inputs = check_inputs(model.spec, inputs)
    body = build_body(model, prompt=prompt, params=params, endpoint=endpoint)
    edit_inputs = len(inputs) if endpoint == llmtr_spec.EDITS_PATH else 0
    cost = money.held(
        pricing.estimate(
            model.spec, prompt=prompt, params=params, price=model.price, edit_inputs=edit_inputs
        )
    )
    team = team_of(user)
    waits = approvals.needs_approval(user, team, cost.usd)
    with transaction.atomic():
        generation = Generation.objects.create(
            owner=user,
            team=team,
            kind=kind,
            status=Generation.Status.AWAITING_APPROVAL if waits else Generation.Status.QUEUED,
            model_id=model.id,
            provider=model.provider,
            prompt=prompt,
            params=params,
            request_body=body,
            endpoint=endpoint,
            parent=parent,
            estimated_cost=cost.usd,
            enqueued_at=None if waits else timezone.now(),
        )
        save_inputs(generation, inputs)
        # Last, so the team's money lock is held only for the end of the transaction.
        ledger.hold(generation, cost.usd, basis=f"estimate: {cost.basis}", first=True)
        if waits:
            approvals.requested(generation)
        else:
            transaction.on_commit(lambda: enqueue(generation.pk))
    return generation


def edit_create(
    *, user: User, model: StudioModel, prompt: str, source: InputChoice, n: int = 1
) -> Generation:
    """An xAI edit of one image; the new generation records the source's generation
    as its parent. Non-xAI models are refused here, before anything is sent."""
    if not model.spec.can_edit:
        editors = " or ".join(m.name for m in llmtr_spec.edit_capable())
        raise ReferenceProblem(f"{model.name} cannot edit images: use {editors}.")
    parent = source.image.generation if source.image is not None else None
    return generation_create(
        user=user,
        model=model,
        prompt=prompt,
        params={"n": n},
        kind=Generation.Kind.EDIT,
        parent=parent,
        inputs=[source],
        endpoint=llmtr_spec.EDITS_PATH,
    )


def enqueue(generation_id: int, countdown: float | None = None) -> None:
    """Send the task (due in `countdown` seconds). A broker that is down loses
    nothing: the row stays queued and the sweeper sends it again."""
    from generations.tasks import run_generation

    try:
        run_generation.apply_async((generation_id,), countdown=countdown, retry=False)
    except Exception:  # the broker's errors vary by transport; the sweeper recovers
        log.exception("could not queue generation %s; the sweeper will retry", generation_id)


# --- sweep ---------------------------------------------------------------------------


def generations_sweep() -> int:
    """Send again the tasks of generations a lost message or a dead worker left behind:
    queued too long, or running under a lease that ran out. The claim makes a
    duplicate message harmless, so this errs on the side of sending."""
    now = timezone.now()
    queued_before = now - timedelta(seconds=settings.SWEEP_QUEUED_AFTER_SECONDS)
    stuck = Generation.objects.filter(
        Q(status=Generation.Status.QUEUED, enqueued_at__lt=queued_before)
        | Q(status=Generation.Status.RUNNING, lease_expires_at__lt=now)
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    Generation.objects.filter(pk__in=ids).update(enqueued_at=now)
    for pk in ids:
        enqueue(pk)
    if ids:
        log.info("sweeper re-queued %d generations", len(ids))
    return len(ids)
