"""How a run ends: what to charge (from the answer's usage, the estimate, or the
documented fallback for an answer that could not be used) and the row's last state,
written only while the run still holds its claim."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from generations import charges, claims, signals
from generations.catalog import mark_retired, model_for_settlement
from generations.failures import describe_error
from generations.models import GeneratedImage, Generation
from llmtr import errors, pricing
from llmtr import spec as llmtr_spec
from llmtr.answers import ImageResult
from spend import ledger
from spend.models import GatewayAttempt
from spend.money import usd

log = logging.getLogger(__name__)


def settlement(generation: Generation, usage: dict[str, Any] | None, images: int) -> pricing.Cost:
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
        edit_inputs=edit_inputs(generation),
        fallback=generation.estimated_cost,
    )


# Failures after the request was sent. An answer that came back (2xx) but could not be
# used was billed all the same; a request whose answer never came may have been.
_ANSWERED_BUT_UNUSABLE = (errors.MalformedResponse, errors.DownloadFailed)
_SENT_WITHOUT_ANSWER = (errors.ResponseTimeout, errors.ConnectionLost)


def charge_for_error(generation: Generation, error: errors.LLMTRError) -> ledger.Charge:
    if isinstance(error, _ANSWERED_BUT_UNUSABLE):
        return fallback_charge(generation, None, error)
    if isinstance(error, _SENT_WITHOUT_ANSWER):
        estimate = generation.estimated_cost
        return ledger.Charge(
            estimate,
            f"no answer came back: the gateway may have billed it; booked at the estimate "
            f"({usd(estimate)})",
            unconfirmed=True,
        )
    return ledger.Charge(Decimal(0), "failed; nothing billed")


def fallback_charge(
    generation: Generation, result: ImageResult | None, error: errors.LLMTRError
) -> ledger.Charge:
    """The documented price of an answer the studio could not use: what was billed."""
    wanted = requested_images(generation)
    images = min(len(result.images), wanted) if result is not None else wanted
    cost = settlement(generation, result.usage if result else None, images)
    return ledger.Charge(cost.usd, f"the answer could not be used, but was billed: {cost.basis}")


def succeeded(
    claim: claims.Claim, result: ImageResult, images: list[GeneratedImage], *, dropped: int = 0
) -> bool:
    generation = claim.generation
    cost = settlement(generation, result.usage, len(images))
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
            charges.settle(generation, ledger.Charge(cost.usd, basis))
            signals.announce_settled(generation.pk)
        return True

    return bool(claims.with_db_retries(write))


def failed(
    claim: claims.Claim, error: errors.LLMTRError, *, charge: ledger.Charge | None = None
) -> None:
    """End the generation failed, once, with a message a person can act on, booking
    what the gateway billed for it (nothing, unless it answered or may have)."""
    if isinstance(error, errors.ModelRetired):
        mark_retired(claim.generation.model_id)

    def write() -> None:
        with transaction.atomic():
            mark_failed(claim, error, charge)

    claims.with_db_retries(write)


def mark_failed(
    claim: claims.Claim, error: errors.LLMTRError, charge: ledger.Charge | None = None
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
    charges.settle(generation, charge)
    signals.announce_settled(generation.pk)
    return True


def requested_images(generation: Generation) -> int:
    """How many images were asked for: the most that are kept and billed."""
    for source in (generation.request_body, generation.params):
        try:
            n = int((source or {}).get("n") or 0)
        except (TypeError, ValueError):
            continue
        if n > 0:
            return n
    return 1


def edit_inputs(generation: Generation) -> int:
    image = generation.request_body.get("image")
    if generation.endpoint != llmtr_spec.EDITS_PATH or image is None:
        return 0
    return len(image) if isinstance(image, list) else 1
