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
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from generations import approvals, heartbeat, ledger, mirror
from generations.catalog import StudioModel, mark_retired, model_for_settlement
from generations.failures import describe_error
from generations.gateway import gateway_client
from generations.models import GatewayAttempt, GeneratedImage, Generation
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
from teams import budgets, money
from teams.money import usd
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


def enqueue(generation_id: int, countdown: float | None = None) -> None:
    """Send the task (due in `countdown` seconds). A broker that is down loses
    nothing: the row stays queued and the sweeper sends it again."""
    from generations.tasks import run_generation

    try:
        run_generation.apply_async((generation_id,), countdown=countdown, retry=False)
    except Exception:  # the broker's errors vary by transport; the sweeper recovers
        log.exception("could not queue generation %s; the sweeper will retry", generation_id)


# --- run -----------------------------------------------------------------------------


@dataclass
class _Claim:
    generation: Generation
    attempt: int
    send: GatewayAttempt | None = None  # the request on its way, once one is


def _claim(generation_id: int) -> _Claim | None:
    """Take the generation if it is queued, or running under a lease that ran out
    (its worker died). Exactly one caller wins."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)  # not before the gateway asked
    won = (
        Generation.objects.filter(pk=generation_id)
        .filter(
            Q(status=Generation.Status.QUEUED) & due
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
    heartbeat.hold(generation_id, claim.attempt)
    try:
        _run(claim, client)
    finally:
        heartbeat.release(generation_id)


def _run(claim: _Claim, client: LLMTRClient | None) -> None:
    if not _take_over(claim):
        return
    if claim.attempt - claim.generation.deferrals > settings.GENERATION_MAX_ATTEMPTS:
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
        result = _call(client, claim)
    except errors.LLMTRError as exc:
        # Only a wait longer than the client sleeps itself: a short Retry-After was
        # already honoured by its retries, and they ran out.
        wait = getattr(exc, "retry_after", None)
        if wait is not None and wait > client.max_backoff and _defer(claim, exc, wait):
            return
        _finish_failed(claim, exc, charge=_charge_for_error(claim.generation, exc))
        return
    # Once the gateway has answered, what is left is CPU and short I/O. Only a few
    # threads do it at a time: hundreds woken at once would mostly queue for the GIL,
    # each losing its place again at every release, and all would finish late.
    with result_slots():
        _keep_results(claim, client, result)


_slots: tuple[int, threading.BoundedSemaphore] | None = None
_slots_lock = threading.Lock()


def result_slots() -> threading.BoundedSemaphore:
    """This process's RESULT_CONCURRENCY slots, made on first use (not at import, so a
    worker reads its own settings, and a test's override_settings applies)."""
    global _slots
    with _slots_lock:
        if _slots is None or _slots[0] != settings.RESULT_CONCURRENCY:
            count = settings.RESULT_CONCURRENCY
            _slots = (count, threading.BoundedSemaphore(count))
        return _slots[1]


def _defer(claim: _Claim, error: errors.LLMTRError, wait: float) -> bool:
    """The gateway refused (429/5xx) and asked to come back after `wait` seconds,
    longer than a worker may sleep: put the generation back in the queue with a task
    due then, rather than failing it or holding a thread. False when the wait or the
    number of deferrals is beyond what the studio accepts (the caller fails it)."""
    generation = claim.generation
    if wait > settings.MAX_RETRY_AFTER_SECONDS or generation.deferrals >= settings.MAX_DEFERRALS:
        return False
    due = timezone.now() + timedelta(seconds=wait)
    with transaction.atomic():
        won = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt
        ).update(
            status=Generation.Status.QUEUED,
            deferrals=F("deferrals") + 1,
            retry_at=due,
            enqueued_at=due,  # the sweeper counts from when it is due, not from now
            lease_expires_at=None,
            request_body=generation.request_body,
        )
        if not won:
            return True  # taken over meanwhile: nothing left for this claim to do
        ledger.end_send(claim.send, GatewayAttempt.Outcome.REFUSED, billed=Decimal(0),
                        note=error.message)  # fmt: skip
        transaction.on_commit(lambda: enqueue(generation.pk, countdown=wait))
    log.info("generation %s: gateway asked to wait %.0f s; queued again", generation.pk, wait)
    return True


def _take_over(claim: _Claim) -> bool:
    """Book what an earlier claim's lost request may have cost, then end or re-send.

    A worker that died after sending leaves a send without an answer: the gateway may
    have billed it. It is booked as an unconfirmed charge at the estimate, and the
    generation fails with that reason rather than being billed twice. With
    RESEND_LOST_CALLS it is sent again instead, holding its estimate once more (and
    failing when the budgets cannot hold it). False: the generation has ended."""
    lost = ledger.lost_sends(claim.generation, claim.attempt)
    if not lost:
        return True
    generation = claim.generation
    resend = settings.RESEND_LOST_CALLS and claim.attempt <= settings.GENERATION_MAX_ATTEMPTS

    def book() -> bool:
        with transaction.atomic():
            if not _still_ours(claim):
                return False
            when = timezone.localtime(lost[0].sent_at)
            for send in lost:
                ledger.end_send(send, GatewayAttempt.Outcome.LOST, billed=None)
            estimate = ledger.estimate_of(generation)
            lost_charge = ledger.Charge(
                estimate,
                f"sent at {when:%H:%M:%S} by a worker that stopped before the answer: the "
                f"gateway may have billed it; booked at the estimate ({usd(estimate)})",
                unconfirmed=True,
            )
            ledger.settle(generation, lost_charge)
            # Failing now settles nothing more; the basis says what was booked.
            booked = ledger.Charge(Decimal(0), lost_charge.basis)
            if not resend:
                _mark_failed(claim, _LOST_CALL, booked)
                return False
            try:
                with transaction.atomic():
                    ledger.hold(generation, estimate, basis="estimate, held again to send again")
            except budgets.OverBudget:
                _mark_failed(claim, _NO_ROOM_TO_RESEND, booked)
                return False
            return True

    return bool(_with_db_retries(book))


_LOST_CALL = errors.LLMTRError(
    "The worker stopped while the gateway was making this image, so the request may "
    "already have been billed. To avoid paying twice it was not sent again: try again "
    "when you are ready.",
    type="worker_lost",
)
_NO_ROOM_TO_RESEND = errors.LLMTRError(
    "The first request may already have been billed (its worker stopped before the answer "
    "came back), and the budget has no room to send it again, so it was not sent again. "
    "A team admin can check the charge on the dashboard.",
    type="worker_lost",
)


def _still_ours(claim: _Claim) -> bool:
    """Lock the generation's row if this claim still holds it (the fencing token)."""
    return (
        Generation.objects.select_for_update()
        .filter(pk=claim.generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt)
        .exists()
    )


def _with_db_retries(write, tries: int = 5):
    """Run a finishing transaction, again after a database error (a lost connection, a
    failover). The gateway has answered by now: giving up would leave the generation
    running under its lease until another worker sends it again, billed twice."""
    for attempt in range(tries):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == tries - 1:
                raise
            log.warning("finishing a generation hit a database error; trying again", exc_info=True)
            if not connection.in_atomic_block:  # a broken connection: start a fresh one
                connection.close()
            time.sleep(0.05 * 2**attempt)
    return None


def _requested(generation: Generation) -> int:
    """How many images were asked for: the most that are kept and billed."""
    for source in (generation.request_body, generation.params):
        try:
            n = int((source or {}).get("n") or 0)
        except (TypeError, ValueError):
            continue
        if n > 0:
            return n
    return 1


def _keep_results(claim: _Claim, client: LLMTRClient, result: ImageResult) -> None:
    """Mirror every image and finish the generation (or fail it, keeping no files).
    Whatever goes wrong here, the generation ends now, with a true reason: the gateway
    has answered (and billed), so it must never be sent again."""
    generation = claim.generation
    wanted = _requested(generation)
    stored: list[str] = []
    try:
        images = [
            _mirror_one(client, item, generation, index, stored)
            for index, item in enumerate(result.images[:wanted])
        ]
    except (errors.LLMTRError, mirror.ImageRejected) as exc:
        mirror.delete_files(stored)
        error = exc if isinstance(exc, errors.LLMTRError) else errors.MalformedResponse(str(exc))
        _finish_failed(claim, error, charge=_fallback_charge(generation, result, error))
        return
    except Exception:
        log.exception("generation %s: keeping the gateway's images failed", generation.pk)
        mirror.delete_files(stored)
        error = errors.MalformedResponse(
            "The gateway answered, but the studio could not read or store the images it "
            "sent. Nothing was sent again; try once more or pick another model.",
            type="unreadable_result",
        )
        _finish_failed(claim, error, charge=_fallback_charge(generation, result, error))
        return
    if not _finish_succeeded(claim, result, images, dropped=len(result.images) - len(images)):
        mirror.delete_files(stored)


def _release_db() -> None:
    """Hand the connection back before waiting on the gateway, which can take minutes:
    200 waiting threads must not hold 200 connections (PostgreSQL allows 100)."""
    if not connection.in_atomic_block:
        connection.close()


def _call(client: LLMTRClient, claim: _Claim) -> ImageResult:
    """Send the generation; when the gateway has forgotten one of our file ids (expired
    early, or lost), upload the inputs again and send once more."""
    generation = claim.generation
    try:
        return _send(client, claim, force_upload=False)
    except errors.InvalidRequest as exc:
        if exc.param not in ("file_id", "file_ids") or not uses_gateway_files(generation):
            raise
        log.info("generation %s: gateway forgot a file id; uploading again", generation.pk)
        ledger.end_send(claim.send, GatewayAttempt.Outcome.REFUSED, billed=Decimal(0))
        forget_gateway_files(client, generation)
        return _send(client, claim, force_upload=True)


def _send(client: LLMTRClient, claim: _Claim, *, force_upload: bool) -> ImageResult:
    generation = claim.generation
    claim.send = None
    try:
        body, recorded = prepare_body(generation, client, force_upload=force_upload)
    except ReferenceProblem as exc:
        raise errors.InvalidRequest(str(exc), type="missing_input") from None
    generation.request_body = recorded
    claim.send = ledger.record_send(generation, claim.attempt)
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


def _settlement(generation: Generation, usage: dict | None, images: int) -> pricing.Cost:
    model = model_for_settlement(generation.model_id, generation.team_id)
    if model is None or model.price is None:
        return pricing.Cost(
            generation.estimated_cost,
            f"the model's price is no longer known; the estimate is booked = "
            f"{usd(generation.estimated_cost)}",
        )
    return pricing.settle(
        model.spec,
        images=images,
        usage=usage,
        price=model.price,
        edit_inputs=_edit_inputs(generation),
        fallback=generation.estimated_cost,
    )


# Failures after the request was sent. An answer that came back (2xx) but could not be
# used was billed all the same; a request whose answer never came may have been.
_ANSWERED_BUT_UNUSABLE = (errors.MalformedResponse, errors.DownloadFailed)
_SENT_WITHOUT_ANSWER = (errors.ResponseTimeout, errors.ConnectionLost)


def _charge_for_error(generation: Generation, error: errors.LLMTRError) -> ledger.Charge:
    if isinstance(error, _ANSWERED_BUT_UNUSABLE):
        return _fallback_charge(generation, None, error)
    if isinstance(error, _SENT_WITHOUT_ANSWER):
        estimate = generation.estimated_cost
        return ledger.Charge(
            estimate,
            f"no answer came back: the gateway may have billed it; booked at the estimate "
            f"({usd(estimate)})",
            unconfirmed=True,
        )
    return ledger.Charge(Decimal(0), "failed; nothing billed")


def _fallback_charge(
    generation: Generation, result: ImageResult | None, error: errors.LLMTRError
) -> ledger.Charge:
    """The documented price of an answer the studio could not use: what was billed."""
    wanted = _requested(generation)
    images = min(len(result.images), wanted) if result is not None else wanted
    cost = _settlement(generation, result.usage if result else None, images)
    return ledger.Charge(cost.usd, f"the answer could not be used, but was billed: {cost.basis}")


def _finish_succeeded(
    claim: _Claim, result: ImageResult, images: list[GeneratedImage], *, dropped: int = 0
) -> bool:
    generation = claim.generation
    cost = _settlement(generation, result.usage, len(images))
    basis = cost.basis
    if dropped > 0:
        basis += (
            f"; the gateway sent {len(images) + dropped} images for {len(images)} asked: "
            f"the {dropped} extra were dropped, not kept or booked"
        )
    revised = next((i.revised_prompt for i in result.images if i.revised_prompt), "") or ""
    meta = dict(result.metadata or {})
    if isinstance(meta.get("data"), list):
        meta["data"] = meta["data"][: len(images)]

    def write() -> bool:
        with transaction.atomic():
            won = Generation.objects.filter(
                pk=generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt
            ).update(
                status=Generation.Status.SUCCEEDED,
                request_body=generation.request_body,
                response_meta=meta,
                revised_prompt=revised,
                cost_basis=basis,
                finished_at=timezone.now(),
                lease_expires_at=None,
            )
            if not won:
                log.warning(
                    "generation %s was taken over; dropping attempt %s",
                    generation.pk,
                    claim.attempt,
                )
                return False
            GeneratedImage.objects.bulk_create(images)
            ledger.end_send(claim.send, GatewayAttempt.Outcome.ANSWERED, billed=cost.usd)
            ledger.settle(generation, ledger.Charge(cost.usd, basis))
        return True

    return bool(_with_db_retries(write))


def _finish_failed(
    claim: _Claim, error: errors.LLMTRError, *, charge: ledger.Charge | None = None
) -> None:
    """End the generation failed, once, with a message a person can act on, booking
    what the gateway billed for it (nothing, unless it answered or may have)."""
    if isinstance(error, errors.ModelRetired):
        mark_retired(claim.generation.model_id)

    def write() -> None:
        with transaction.atomic():
            _mark_failed(claim, error, charge)

    _with_db_retries(write)


def _mark_failed(
    claim: _Claim, error: errors.LLMTRError, charge: ledger.Charge | None = None
) -> bool:
    generation = claim.generation
    charge = charge or ledger.Charge(Decimal(0), "failed; nothing billed")
    won = Generation.objects.filter(
        pk=generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt
    ).update(
        status=Generation.Status.FAILED,
        request_body=generation.request_body,
        error_type=error.type,
        error_message=describe_error(error, generation.model_id, deferrals=generation.deferrals),
        error_hint=error.hint,
        error_details=error.as_dict(),
        cost_basis=charge.basis,
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    if not won:
        return False
    if claim.send is not None:
        if charge.unconfirmed:
            outcome, billed = GatewayAttempt.Outcome.UNKNOWN, None
        elif isinstance(error, _ANSWERED_BUT_UNUSABLE):
            outcome, billed = GatewayAttempt.Outcome.ANSWERED, charge.usd
        else:
            outcome, billed = GatewayAttempt.Outcome.REFUSED, charge.usd
        ledger.end_send(claim.send, outcome, billed=billed, note=error.message)
    ledger.settle(generation, charge)
    return True


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
