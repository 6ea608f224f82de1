"""POST /generations (every kind, with Idempotency-Key) and GET /generations/{id}."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router, Status

from api import generate, idempotency, present
from api.auth import GENERATE, READ, token_of
from api.schemas import ERROR_CODES, Error, GenerationIn, GenerationOut, PathID
from generations.access import get_generation_for_user
from generations.models import Generation

router = Router(tags=["generations"])

KEY_HELP = (
    "Any unique string (a UUID) per intended generation: a retry with the same key and "
    "body returns the first generation instead of making (and charging) a second."
)


def _created(request: HttpRequest, payload: GenerationIn) -> tuple[int, dict[str, Any], Generation]:
    prepared = generate.prepare(request.user, payload)
    generation = generate.create(request.user, prepared)
    body = GenerationOut.model_validate(present.generation(request, generation))
    return 201, body.model_dump(mode="json"), generation


@router.post(
    "/generations",
    auth=GENERATE,
    response={201: GenerationOut, ERROR_CODES: Error},
    url_name="generation-create",
    summary="Start a generation: text to image, with references, an edit or a try-on",
)
def generation_create(
    request: HttpRequest,
    response: HttpResponse,
    payload: GenerationIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=255, description=KEY_HELP
    ),
):
    """Checked exactly as the studio's forms check theirs; the estimate is held against
    your budgets (422 with the budget's sentence when it does not fit) and, above your
    team's approval threshold, the generation waits for an admin (`status: approval`).
    It runs in the background: poll GET /generations/{id} until `finished`."""
    if idempotency_key is None:
        status, body, _ = _created(request, payload)
    else:
        answer = idempotency.once(
            token=token_of(request),
            key=idempotency.check_key(idempotency_key),
            operation="generation-create",
            payload=payload.model_dump(mode="json"),
            create=lambda: _created(request, payload),
        )
        status, body = answer.status, answer.body
        response["Idempotent-Replayed"] = "true" if answer.replayed else "false"
    response["Location"] = body["url"]
    return Status(status, body)


@router.get(
    "/generations/{int:generation_id}",
    auth=READ,
    response={200: GenerationOut, ERROR_CODES: Error},
    url_name="generation-get",
    summary="A generation: its status, images and cost",
)
def generation_get(request: HttpRequest, generation_id: PathID):
    """Yours, or (for a team admin) one of your team's; anybody else gets a 404. The
    cost is the ledger's: null until the generation settles, `held` meanwhile."""
    generation = get_generation_for_user(request.user, generation_id)
    return present.generation(request, generation)
