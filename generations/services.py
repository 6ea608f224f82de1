"""The generation lifecycle: submit, run in the background, settle, sweep.

    generation_create  (web request) row + reservation, task queued on commit
    generation_run     (Celery task) claim -> gateway call -> mirror -> finish
    generations_sweep  (beat)        re-queue what a lost message or a dead worker left

No gateway call happens inside a transaction, and only the holder of the current
attempt (the fencing token) can finish a generation, so a redelivered task can never
add images twice or settle twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from generations import mirror
from generations.catalog import StudioModel, mark_retired, model_for_settlement
from generations.failures import describe_error
from generations.gateway import gateway_client
from generations.models import GeneratedImage, Generation, LedgerEntry
from generations.references import (
    InputChoice,
    ReferenceProblem,
    check_inputs,
    forget_gateway_files,
    prepare_body,
    save_inputs,
    uses_gateway_files,
)
from llmtr import errors, pricing
from llmtr import spec as llmtr_spec
from llmtr.client import ImageResult, LLMTRClient, ResultImage
from llmtr.validation import EDIT_FIELDS
from teams import budgets
from teams.services import team_of

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
    user,
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
    inputs = inputs or []
    if endpoint != llmtr_spec.EDITS_PATH:
        inputs = check_inputs(model.spec, inputs)
    body = build_body(model, prompt=prompt, params=params, endpoint=endpoint)
    edit_inputs = len(inputs) if endpoint == llmtr_spec.EDITS_PATH else 0
    cost = pricing.estimate(
        model.spec, prompt=prompt, params=params, price=model.price, edit_inputs=edit_inputs
    )
    team = team_of(user)
    with transaction.atomic():
        held = budgets.reserve(team_id=team.pk if team else None, user_id=user.pk, amount=cost.usd)
        generation = Generation.objects.create(
            owner=user,
            team=team,
            kind=kind,
            model_id=model.id,
            provider=model.provider,
            prompt=prompt,
            params=params,
            request_body=body,
            endpoint=endpoint,
            parent=parent,
            estimated_cost=cost.usd,
            enqueued_at=timezone.now(),
        )
        LedgerEntry.objects.create(
            generation=generation,
            team=team,
            user=user,
            kind=LedgerEntry.Kind.RESERVATION,
            amount=cost.usd,
            basis=f"estimate: {cost.basis}",
            periods=list(held.periods),
        )
        save_inputs(generation, inputs)
        transaction.on_commit(lambda: enqueue(generation.pk))
    return generation


def edit_create(
    *, user, model: StudioModel, prompt: str, source: InputChoice, n: int = 1
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


def enqueue(generation_id: int) -> None:
    """Send the task. A broker that is down loses nothing: the row stays queued and
    the sweeper sends it again."""
    from generations.tasks import run_generation

    try:
        run_generation.apply_async((generation_id,), retry=False)
    except Exception:  # the broker's errors vary by transport; the sweeper recovers
        log.exception("could not queue generation %s; the sweeper will retry", generation_id)


# --- run -----------------------------------------------------------------------------


@dataclass
class _Claim:
    generation: Generation
    attempt: int


def _claim(generation_id: int) -> _Claim | None:
    """Take the generation if it is queued, or running under a lease that ran out
    (its worker died). Exactly one caller wins."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    won = (
        Generation.objects.filter(pk=generation_id)
        .filter(
            Q(status=Generation.Status.QUEUED)
            | Q(status=Generation.Status.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            status=Generation.Status.RUNNING,
            attempts=F("attempts") + 1,
            lease_expires_at=lease,
            started_at=Coalesce(F("started_at"), Value(now)),
        )
    )
    if not won:
        return None
    generation = Generation.objects.get(pk=generation_id)
    return _Claim(generation, generation.attempts)


def generation_run(*, generation_id: int, client: LLMTRClient | None = None) -> None:
    claim = _claim(generation_id)
    if claim is None:
        return
    generation = claim.generation
    if claim.attempt > settings.GENERATION_MAX_ATTEMPTS:
        _finish_failed(
            claim,
            errors.LLMTRError(
                "The generation was interrupted too many times (the worker stopped while "
                "running it). Please try again.",
                type="worker_lost",
            ),
        )
        return
    client = client or gateway_client()
    try:
        result = _call(client, generation)
    except errors.LLMTRError as exc:
        _finish_failed(claim, exc)
        return
    # Once the gateway has answered, what is left is CPU and short I/O. Only a few
    # threads do it at a time: hundreds woken at once would mostly queue for the GIL,
    # each losing its place again at every release, and all would finish late.
    with _result_slots:
        _keep_results(claim, client, result)


_result_slots = threading.BoundedSemaphore(settings.RESULT_CONCURRENCY)


def _keep_results(claim: _Claim, client: LLMTRClient, result: ImageResult) -> None:
    """Mirror every image and finish the generation (or fail it, keeping no files)."""
    generation = claim.generation
    stored: list[str] = []
    try:
        images = [
            _mirror_one(client, item, generation, index, stored)
            for index, item in enumerate(result.images)
        ]
    except errors.LLMTRError as exc:
        mirror.delete_files(stored)
        _finish_failed(claim, exc)
        return
    except mirror.ImageRejected as exc:
        mirror.delete_files(stored)
        _finish_failed(claim, errors.MalformedResponse(str(exc)), billed=True, result=result)
        return
    if not _finish_succeeded(claim, result, images):
        mirror.delete_files(stored)


def _release_db() -> None:
    """Hand the connection back before waiting on the gateway, which can take minutes:
    200 waiting threads must not hold 200 connections (PostgreSQL allows 100)."""
    if not connection.in_atomic_block:
        connection.close()


def _call(client: LLMTRClient, generation: Generation) -> ImageResult:
    """Send the generation; when the gateway has forgotten one of our file ids (expired
    early, or lost), upload the inputs again and send once more."""
    try:
        return _send(client, generation, force_upload=False)
    except errors.InvalidRequest as exc:
        if exc.param not in ("file_id", "file_ids") or not uses_gateway_files(generation):
            raise
        log.info("generation %s: gateway forgot a file id; uploading again", generation.pk)
        forget_gateway_files(client, generation)
        return _send(client, generation, force_upload=True)


def _send(client: LLMTRClient, generation: Generation, *, force_upload: bool) -> ImageResult:
    try:
        body, recorded = prepare_body(generation, client, force_upload=force_upload)
    except ReferenceProblem as exc:
        raise errors.InvalidRequest(str(exc), type="missing_input") from None
    generation.request_body = recorded
    _release_db()
    if generation.endpoint == llmtr_spec.EDITS_PATH:
        return client.edit(body)
    return client.generate(body)


def _mirror_one(
    client: LLMTRClient, item: ResultImage, generation: Generation, index: int, stored: list[str]
) -> GeneratedImage:
    if item.b64_json is not None:
        data = item.decode()
    else:
        data, _ = client.download(item.url or "")
    processed = mirror.process(data)
    prefix = f"generations/{generation.owner_id}/{generation.pk}/{index}"
    original, thumbnail = mirror.store(processed, prefix=prefix)
    stored += [original, thumbnail]
    return GeneratedImage(
        generation_id=generation.pk,
        index=index,
        **GeneratedImage.measured(
            processed, sha256=processed.sha256, file=original, thumbnail=thumbnail
        ),
    )


def _edit_inputs(generation: Generation) -> int:
    image = generation.request_body.get("image")
    if generation.endpoint != llmtr_spec.EDITS_PATH or image is None:
        return 0
    return len(image) if isinstance(image, list) else 1


def _settlement(generation: Generation, result: ImageResult, images: int) -> pricing.Cost:
    model = model_for_settlement(generation.model_id)
    spec = model.spec if model else llmtr_spec.get(generation.model_id)
    if spec is None:
        return pricing.Cost(
            generation.estimated_cost, "model no longer in the catalog; estimate kept"
        )
    return pricing.settle(
        spec,
        images=images,
        usage=result.usage,
        price=model.price if model else None,
        edit_inputs=_edit_inputs(generation),
    )


def _finish_succeeded(claim: _Claim, result: ImageResult, images: list[GeneratedImage]) -> bool:
    generation = claim.generation
    cost = _settlement(generation, result, len(images))
    revised = next((i.revised_prompt for i in result.images if i.revised_prompt), "") or ""
    with transaction.atomic():
        won = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt
        ).update(
            status=Generation.Status.SUCCEEDED,
            request_body=generation.request_body,
            response_meta=result.metadata,
            revised_prompt=revised,
            cost=cost.usd,
            cost_basis=cost.basis[:300],
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        if not won:
            log.warning(
                "generation %s was taken over; dropping attempt %s", generation.pk, claim.attempt
            )
            return False
        GeneratedImage.objects.bulk_create(images)
        _settle(generation, cost)
    return True


def _finish_failed(
    claim: _Claim,
    error: errors.LLMTRError,
    *,
    billed: bool = False,
    result: ImageResult | None = None,
) -> None:
    """End the generation failed, once, with a message a person can act on. It costs
    nothing unless the gateway reported a cost for it."""
    generation = claim.generation
    if isinstance(error, errors.ModelRetired):
        mark_retired(generation.model_id)
    cost = pricing.Cost(Decimal(0), "failed; nothing billed")
    if billed and result is not None and result.usage:
        cost = _settlement(generation, result, len(result.images))
    with transaction.atomic():
        won = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt
        ).update(
            status=Generation.Status.FAILED,
            request_body=generation.request_body,
            error_type=error.type,
            error_message=describe_error(error, generation.model_id),
            error_hint=error.hint,
            error_details=error.as_dict(),
            cost=cost.usd,
            cost_basis=cost.basis,
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        if won:
            _settle(generation, cost)


def _settle(generation: Generation, cost: pricing.Cost) -> None:
    """Record the real cost and move the budget hold from reserved to spent."""
    reservation = LedgerEntry.objects.filter(
        generation=generation, kind=LedgerEntry.Kind.RESERVATION
    ).first()
    if reservation is not None:
        budgets.settle(period_ids=reservation.periods, reserved=reservation.amount, cost=cost.usd)
    LedgerEntry.objects.create(
        generation=generation,
        team_id=generation.team_id,
        user_id=generation.owner_id,
        kind=LedgerEntry.Kind.SETTLEMENT,
        amount=cost.usd,
        basis=cost.basis[:300],
    )


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
