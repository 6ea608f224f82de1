"""What the API takes and answers, as OpenAPI reads it. Money is a decimal string
("0.04"), exact like the ledger, with `*_text` in the studio's one money format."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema

ID = Annotated[int, Field(ge=1, le=2**63 - 1)]
# An id in a path: one too large for any row is refused (422), never an overflow.
PathID = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Bounds that keep a request's work small; the per-model rules (a prompt's length, a
# count's range) are the studio forms' and answer with their sentences.
PROMPT_CHARS = 100_000
ERROR_CODES = frozenset({400, 401, 403, 404, 409, 410, 422, 429})


class Error(Schema):
    detail: str = Field(description="What went wrong, in the sentence the studio's page shows.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Per field (dotted for nested ones), its problems."
    )


# --- models and estimates ------------------------------------------------------------


class OnlyWith(Schema):
    field: str
    values: list[str]


class ModelField(Schema):
    name: str
    label: str
    type: Literal["choice", "integer"]
    choices: list[str]
    default: str | int | None
    min: int | None
    max: int | None
    help: str
    only_with: OnlyWith | None


class Price(Schema):
    kind: Literal["per_image", "per_million_tokens"]
    label: str
    per_image: str | None = None
    input_text: str | None = None
    input_image: str | None = None
    output_image: str | None = None


class ModelOut(Schema):
    id: str
    name: str
    provider: str
    provider_name: str
    available: bool = Field(description="False for a model without a price: it cannot be used.")
    unavailable_reason: str
    capabilities: list[str]
    text_to_image: bool
    references: bool
    edits: bool
    vector: bool
    max_prompt_chars: int
    max_references: int
    fields: list[ModelField] = Field(description="The model's own options, for `options`.")
    price: Price | None


class ImageRef(Schema):
    """One image: an upload (POST /uploads), an earlier generated image, or (references
    only) an https URL. Exactly one of the three."""

    upload_id: ID | None = None
    image_id: ID | None = None
    url: str | None = Field(default=None, max_length=4096)


class GenerationIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "model": "recraft/recraft-v4",
                    "prompt": "a red kite over the dunes",
                    "options": {"size": "16:9", "n": 1},
                }
            ]
        }
    }

    mode: Literal["generate", "edit", "tryon"] = Field(
        default="generate",
        description=(
            "generate: text to image, with `references` for models that take them; "
            "edit: `source` changed as `prompt` says (xAI); tryon: `person` wearing "
            "`garment` (Gemini), with optional `notes`."
        ),
    )
    model: str = Field(max_length=200, description="A model id from GET /models.")
    prompt: str = Field(default="", max_length=PROMPT_CHARS)
    options: dict[str, int | str] = Field(
        default_factory=dict,
        description=(
            "The model's own options (GET /models, `fields`); edit takes `n`, try-on "
            "`aspect_ratio`, `size` and `n`."
        ),
    )
    references: list[ImageRef] = Field(default_factory=list, max_length=100)
    source: ImageRef | None = None
    person: ImageRef | None = None
    garment: ImageRef | None = None
    notes: str = Field(default="", max_length=10_000)


class EstimateOut(Schema):
    model: str
    usd: str = Field(description="What a create would hold against the budget.")
    usd_text: str
    basis: str
    budget_left: str | None = Field(description="The tightest budget's room; null: no budget.")
    budget_left_text: str | None
    waits_for_approval: bool


# --- generations and images ----------------------------------------------------------


class ImageOut(Schema):
    id: int
    index: int
    width: int
    height: int
    mime_type: str
    bytes: int
    sha256: str
    archived: bool = Field(description="The original left storage (retention rule): 410.")
    original_url: str
    download_url: str
    thumb_url: str


class GenerationError(Schema):
    type: str
    message: str
    hint: str


class GenerationOut(Schema):
    id: int
    url: str
    page_url: str
    status: Literal["approval", "queued", "running", "succeeded", "failed"]
    finished: bool
    kind: Literal["text", "reference", "edit", "tryon"]
    model: str
    provider: str
    owner: str
    prompt: str
    revised_prompt: str
    options: dict[str, Any]
    request_body: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    estimated_cost: str
    cost: str | None = Field(description="Charged, from the ledger; null until settled.")
    cost_text: str | None
    held: str | None = Field(description="Held against the budget while unsettled.")
    error: GenerationError | None
    parent_id: int | None
    comparison_id: int | None
    images: list[ImageOut]


class GenerationSummary(Schema):
    id: int
    url: str
    status: str
    kind: str
    model: str
    owner: str
    prompt: str
    favourite: bool
    created_at: datetime
    images: list[ImageOut]


class GalleryPage(Schema):
    items: list[GenerationSummary]
    next_cursor: str | None = Field(description="Pass as `after` for the next page.")


class UploadOut(Schema):
    id: int
    reference: ImageRef
    purpose: str
    name: str
    width: int
    height: int
    mime_type: str
    bytes: int
    sha256: str
    original_url: str
    thumb_url: str


# --- boards, presets -----------------------------------------------------------------


class BoardOut(Schema):
    id: int
    name: str
    visibility: Literal["private", "team"]
    owner: str
    mine: bool
    may_manage: bool
    item_count: int
    created_at: datetime
    updated_at: datetime
    url: str


class BoardItemOut(Schema):
    image_id: int
    generation_id: int
    index: int
    prompt: str
    model: str
    width: int
    height: int
    mime_type: str
    archived: bool
    thumb_url: str


class BoardDetail(BoardOut):
    items: list[BoardItemOut]
    next_cursor: str | None


class BoardItemsIn(Schema):
    generation_ids: list[ID] = Field(
        min_length=1, max_length=2000, description="Every image of each goes on the board."
    )


class BoardItemsOut(Schema):
    added: int
    detail: str
    board: BoardOut


class PresetTarget(Schema):
    index: int
    model: str
    name: str
    available: bool
    notes: list[str]
    request: GenerationIn | None = Field(description="A POST /generations body that applies it.")


class PresetOut(Schema):
    id: int
    name: str
    team: bool
    may_edit: bool
    template: str
    slots: dict[str, str]
    prompt: str = Field(description="The template with each slot's default and the brand kit.")
    aspect_ratio: str
    quality: str
    n: int | None
    references: list[ImageRef]
    targets: list[PresetTarget]
    updated_at: datetime


# --- comparisons and matrix runs -----------------------------------------------------


class ComparisonColumn(Schema):
    model: str
    attempts: int
    generation: GenerationSummary
    cost: str | None


class ComparisonOut(Schema):
    id: int
    url: str
    prompt: str
    owner: str
    created_at: datetime
    columns: list[ComparisonColumn]


class ComparisonPage(Schema):
    items: list[ComparisonOut]
    next_cursor: str | None


class ComparisonIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "prompt": "a lighthouse at dusk",
                    "models": ["recraft/recraft-v4", "google/imagen-4.0-fast-generate-001"],
                }
            ]
        }
    }

    prompt: str = Field(max_length=PROMPT_CHARS)
    models: list[str] = Field(max_length=50)


class MatrixVariable(Schema):
    name: str = Field(max_length=100)
    values: list[str] = Field(max_length=200)


class MatrixIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "template": "a {product} on a {setting}",
                    "variables": [
                        {"name": "product", "values": ["sneaker", "watch"]},
                        {"name": "setting", "values": ["beach"]},
                    ],
                    "models": ["recraft/recraft-v4"],
                    "n": 1,
                    "cap": "1.00",
                }
            ]
        }
    }

    template: str = Field(max_length=20_000, description="With each variable as {name}.")
    variables: list[MatrixVariable] = Field(max_length=10)
    models: list[str] = Field(max_length=50)
    n: int = 1
    aspect_ratio: str = Field(default="", max_length=20)
    cap: str = Field(max_length=40, description='The most the run may spend, in dollars: "5.00".')
    expected_total: str | None = Field(
        default=None,
        max_length=40,
        description="The total a preview showed: refused (409) if the figures changed.",
    )


class MatrixPlanOut(Schema):
    cells: int
    created: int
    not_created: int
    total: str
    created_total: str
    created_total_text: str
    limit: str
    cut_by: str
    images: int
    waits_for_approval: bool
    notes: list[str]


class MatrixCellOut(Schema):
    position: int
    values: dict[str, str]
    model: str
    prompt: str
    status: str
    generation_id: int | None
    estimated_cost: str
    cost: str | None
    attempts: int
    note: str
    images: list[ImageOut]


class MatrixRunOut(Schema):
    id: int
    url: str
    status: Literal["awaiting_approval", "running", "done", "cancelled"]
    owner: str
    template: str
    variables: list[MatrixVariable]
    models: list[str]
    n: int
    options: dict[str, Any]
    cap: str
    estimated_total: str
    not_created: int
    note: str
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    cells: list[MatrixCellOut] | None = Field(description="On GET /matrix-runs/{id} only.")


class MatrixPage(Schema):
    items: list[MatrixRunOut]
    next_cursor: str | None
