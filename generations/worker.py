"""A generation's run in a worker: claim -> gateway call -> mirror -> finish.

No gateway call happens inside a transaction, and only the holder of the current
attempt (the fencing token, `claims.Claim.attempt`) can finish a generation, so a redelivered
task can never add images twice or settle twice. How a run ends (the charge booked
and the row's last state) is generations.finish.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from generations import charges, claims, finish, heartbeat, mirror, services
from generations.gateway import gateway_client
from generations.inputs import (
    ReferenceProblem,
    forget_gateway_files,
    prepare_body,
    uses_gateway_files,
)
from generations.models import GeneratedImage, Generation
from llmtr import errors
from llmtr import spec as llmtr_spec
from llmtr.answers import ImageResult, ResultImage
from llmtr.client import LLMTRClient
from spend import budgets, ledger
from spend.models import GatewayAttempt
from spend.money import usd
from studio import logs

log = logging.getLogger(__name__)


def generation_run(*, generation_id: int, client: LLMTRClient | None = None) -> None:
    # Every log line of the run carries the id (LOG_FORMAT=json; studio/logs.py).
    with logs.generation_context(generation_id):
        claim = claims.claim(generation_id)
        if claim is None:
            return
        heartbeat.hold(generation_id, claim.attempt)
        try:
            _run(claim, client)
        finally:
            heartbeat.release(generation_id)


def _run(claim: claims.Claim, client: LLMTRClient | None) -> None:
    if not _take_over(claim):
        return
    if claim.attempt - claim.generation.deferrals > settings.GENERATION_MAX_ATTEMPTS:
        finish.failed(
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
        finish.failed(claim, exc, charge=finish.charge_for_error(claim.generation, exc))
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


def _defer(claim: claims.Claim, error: errors.LLMTRError, wait: float) -> bool:
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
        transaction.on_commit(lambda: services.enqueue(generation.pk, countdown=wait))
    log.info("generation %s: gateway asked to wait %.0f s; queued again", generation.pk, wait)
    return True


def _take_over(claim: claims.Claim) -> bool:
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
            if not claims.still_ours(claim):
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
            charges.settle(generation, lost_charge)
            # Failing now settles nothing more; the basis says what was booked.
            booked = ledger.Charge(Decimal(0), lost_charge.basis)
            if not resend:
                finish.mark_failed(claim, _LOST_CALL, booked)
                return False
            try:
                with transaction.atomic():
                    ledger.hold(generation, estimate, basis="estimate, held again to send again")
            except budgets.OverBudget:
                finish.mark_failed(claim, _NO_ROOM_TO_RESEND, booked)
                return False
            return True

    return bool(claims.with_db_retries(book))


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


def _keep_results(claim: claims.Claim, client: LLMTRClient, result: ImageResult) -> None:
    """Mirror every image and finish the generation (or fail it, keeping no files).
    Whatever goes wrong here, the generation ends now, with a true reason: the gateway
    has answered (and billed), so it must never be sent again."""
    generation = claim.generation
    wanted = finish.requested_images(generation)
    stored: list[str] = []
    try:
        images = [
            _mirror_one(client, item, generation, index, stored)
            for index, item in enumerate(result.images[:wanted])
        ]
    except (errors.LLMTRError, mirror.ImageRejected) as exc:
        mirror.delete_files(stored)
        error = exc if isinstance(exc, errors.LLMTRError) else errors.MalformedResponse(str(exc))
        finish.failed(claim, error, charge=finish.fallback_charge(generation, result, error))
        return
    except Exception:
        log.exception("generation %s: keeping the gateway's images failed", generation.pk)
        mirror.delete_files(stored)
        error = errors.MalformedResponse(
            "The gateway answered, but the studio could not read or store the images it "
            "sent. Nothing was sent again; try once more or pick another model.",
            type="unreadable_result",
        )
        finish.failed(claim, error, charge=finish.fallback_charge(generation, result, error))
        return
    if not finish.succeeded(claim, result, images, dropped=len(result.images) - len(images)):
        mirror.delete_files(stored)


def release_db() -> None:
    """Hand the connection back before waiting on the gateway, which can take minutes:
    200 waiting threads must not hold 200 connections (PostgreSQL allows 100)."""
    if not connection.in_atomic_block:
        connection.close()


def _call(client: LLMTRClient, claim: claims.Claim) -> ImageResult:
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


def _send(client: LLMTRClient, claim: claims.Claim, *, force_upload: bool) -> ImageResult:
    generation = claim.generation
    claim.send = None
    try:
        body, recorded = prepare_body(generation, client, force_upload=force_upload)
    except ReferenceProblem as exc:
        raise errors.InvalidRequest(str(exc), type="missing_input") from None
    generation.request_body = recorded
    claim.send = ledger.record_send(generation, claim.attempt)
    release_db()
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
