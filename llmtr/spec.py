"""The image models of the LLMTR gateway, described once.

Everything that depends on what a model accepts reads it from here: the emulator's
validation, the client's request building, the studio's forms and cost estimates.
The facts come from shared/gateway-contract.md; values marked [assumed] there are
assumptions here too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    TEXT_TO_IMAGE = "text_to_image"
    REFERENCES = "references"
    EDIT = "edit"


class Output(StrEnum):
    RASTER = "raster"
    VECTOR = "vector"


REFERENCE_FIELDS = ("file_id", "file_ids", "image_url", "image_urls")
MAX_REFERENCES = 8
MAX_EDIT_IMAGES = 8
# Where the contract names no prompt limit we still cap it, so an over-long
# prompt gets a clear message instead of a huge request. [assumed]
DEFAULT_MAX_PROMPT_CHARS = 32_000
TICKS_PER_USD = 10**10
EDITS_PATH = "/v1/images/edits"
# The image types the gateway returns and the studio keeps, with their file extensions.
SVG_MIME = "image/svg+xml"
MIME_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/svg+xml": "svg",
}
GENERATIONS_PATH = "/v1/images/generations"


class SpecViolation(ValueError):
    """A request the gateway would refuse with a 400; `param` names the field."""

    def __init__(
        self,
        param: str,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.param = param
        self.message = message
        self.error_type = error_type
        self.details = {"param": param, **(details or {})}


@dataclass(frozen=True)
class Field:
    """One request field: an enum when `choices` is set, else an integer range.

    `default=None` means the gateway picks when the field is omitted.
    `only_with=("output_format", ("jpeg", "webp"))` means the field is valid only when
    that other field holds one of those values. `user_facing=False` marks transport
    details (response_format) that the studio sets itself.
    """

    name: str
    label: str
    choices: tuple[str, ...] = ()
    default: str | int | None = None
    min: int | None = None
    max: int | None = None
    help: str = ""
    only_with: tuple[str, tuple[str, ...]] | None = None
    user_facing: bool = True

    @property
    def is_integer(self) -> bool:
        return not self.choices

    def check(self, value: Any) -> str | int:
        """Return the value if this field accepts it, else raise SpecViolation."""
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                allowed = ", ".join(self.choices)
                note = f" {self.help}" if self.help else ""
                raise SpecViolation(self.name, f"`{self.name}` must be one of: {allowed}.{note}")
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecViolation(self.name, f"`{self.name}` must be a whole number.")
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            raise SpecViolation(
                self.name, f"`{self.name}` must be between {self.min} and {self.max}."
            )
        return value


@dataclass(frozen=True)
class PerImage:
    """A fixed price per image (Recraft, Gemini, Imagen, xAI)."""

    usd: Decimal


@dataclass(frozen=True)
class PerToken:
    """gpt-image-2: separate USD prices per one million tokens of each kind."""

    input_text: Decimal
    input_image: Decimal
    output_image: Decimal


PriceRule = PerImage | PerToken


@dataclass(frozen=True)
class ModelSpec:
    id: str
    name: str
    provider: str
    family: str
    output: Output
    operations: frozenset[Operation]
    fields: tuple[Field, ...]
    rejected: frozenset[str]
    price: PriceRule
    max_prompt_chars: int = DEFAULT_MAX_PROMPT_CHARS
    aliases: tuple[str, ...] = ()
    # aspect ratio -> (width, height); explicit "WxH" sizes are derived from it.
    ratio_sizes: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    extra_sizes: tuple[tuple[int, int], ...] = ()
    reports_ticks: bool = False

    def get_field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def user_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.user_facing)

    @property
    def takes_references(self) -> bool:
        return Operation.REFERENCES in self.operations

    @property
    def can_edit(self) -> bool:
        return Operation.EDIT in self.operations

    @property
    def is_vector(self) -> bool:
        return self.output is Output.VECTOR

    def require_field(self, name: str) -> Field:
        """A field the spec itself guarantees (`n`, an `only_with` target): a bug if absent."""
        found = self.get_field(name)
        assert found is not None, f"{self.id} has no {name} field"
        return found

    @property
    def n_field(self) -> Field:
        return self.require_field("n")

    def defaults(self) -> dict[str, str | int]:
        return {f.name: f.default for f in self.fields if f.default is not None}

    def pixel_size(self, params: Mapping[str, Any]) -> tuple[int, int]:
        return _PIXEL_SIZERS[self.family](self, {**self.defaults(), **params})

    def output_mime(self, params: Mapping[str, Any]) -> str:
        if self.is_vector:
            return "image/svg+xml"
        if self.family == "openai":
            fmt = params.get("output_format") or "png"
            return {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}[fmt]
        return _FAMILY_MIME.get(self.family, "image/png")


_FAMILY_MIME = {
    "recraft": "image/png",
    "gemini": "image/png",
    "imagen": "image/png",
    "xai": "image/jpeg",
}


# --- pixel sizes -------------------------------------------------------------------

RECRAFT_V4_SIZES = {
    "1:1": (1024, 1024), "2:1": (1536, 768), "1:2": (768, 1536), "3:2": (1280, 832),
    "2:3": (832, 1280), "4:3": (1216, 896), "3:4": (896, 1216), "5:4": (1152, 896),
    "4:5": (896, 1152), "6:10": (832, 1344), "14:10": (1280, 896), "10:14": (896, 1280),
    "16:9": (1344, 768), "9:16": (768, 1344),
}  # fmt: skip
RECRAFT_V4_PRO_SIZES = {r: (w * 2, h * 2) for r, (w, h) in RECRAFT_V4_SIZES.items()}
RECRAFT_V3_SIZES = {
    "1:1": (1024, 1024), "2:1": (2048, 1024), "1:2": (1024, 2048), "3:2": (1536, 1024),
    "2:3": (1024, 1536), "4:3": (1365, 1024), "3:4": (1024, 1365), "5:4": (1280, 1024),
    "4:5": (1024, 1280), "16:9": (1820, 1024), "9:16": (1024, 1820),
}  # fmt: skip
RECRAFT_V3_EXTRA = ((1434, 1024), (1024, 1434), (1707, 1024), (1024, 1707))

GEMINI_RATIOS = ("1:1", "3:4", "4:3", "9:16", "16:9")
GEMINI_1K = {
    "1:1": (1024, 1024),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
}  # fmt: skip  [assumed: Gemini's 1K table; 512 halves it, 2K doubles it]
GEMINI_SCALE = {"512": Decimal("0.5"), "1K": Decimal(1), "2K": Decimal(2)}
IMAGEN_SIZES = {
    "1:1": (1024, 1024),
    "3:4": (896, 1280),
    "4:3": (1280, 896),
    "9:16": (768, 1408),
    "16:9": (1408, 768),
}  # fmt: skip  [assumed: Imagen 4's documented output sizes]
XAI_RATIOS = ("1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "1:2", "2:1", "auto")
XAI_EDGE = {"1k": 1024, "2k": 2048}

GPT_SIZES = ("1024x1024", "1024x1536", "1536x1024")
GPT_QUALITIES = ("low", "medium", "high")
# Output image tokens per image, by size and quality (contract section 6).
GPT_OUTPUT_TOKENS = {
    ("1024x1024", "low"): 272, ("1024x1024", "medium"): 1056, ("1024x1024", "high"): 4160,
    ("1024x1536", "low"): 408, ("1024x1536", "medium"): 1584, ("1024x1536", "high"): 6240,
    ("1536x1024", "low"): 408, ("1536x1024", "medium"): 1584, ("1536x1024", "high"): 6240,
}  # fmt: skip


def _size_label(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _ratio_area_size(ratio: str, edge: int) -> tuple[int, int]:
    """A size of about edge*edge pixels with the given ratio, in multiples of 16."""
    if ratio == "auto":
        ratio = "1:1"
    w, h = (int(part) for part in ratio.split(":"))
    width = edge * math.sqrt(w / h)
    height = edge * math.sqrt(h / w)
    return (round(width / 16) * 16, round(height / 16) * 16)


def _openai_size(spec: ModelSpec, params: Mapping[str, Any]) -> tuple[int, int]:
    w, h = str(params["size"]).split("x")
    return int(w), int(h)


def _recraft_size(spec: ModelSpec, params: Mapping[str, Any]) -> tuple[int, int]:
    size = str(params.get("size") or "1:1")
    if size in spec.ratio_sizes:
        return spec.ratio_sizes[size]
    w, h = size.split("x")
    return int(w), int(h)


def _gemini_size(spec: ModelSpec, params: Mapping[str, Any]) -> tuple[int, int]:
    w, h = GEMINI_1K[params["aspect_ratio"]]
    scale = GEMINI_SCALE[params["size"]]
    return int(w * scale), int(h * scale)


def _imagen_size(spec: ModelSpec, params: Mapping[str, Any]) -> tuple[int, int]:
    return IMAGEN_SIZES[params["aspect_ratio"]]


def _xai_size(spec: ModelSpec, params: Mapping[str, Any]) -> tuple[int, int]:
    return _ratio_area_size(params["aspect_ratio"], XAI_EDGE[params["resolution"]])


_PIXEL_SIZERS = {
    "openai": _openai_size,
    "recraft": _recraft_size,
    "gemini": _gemini_size,
    "imagen": _imagen_size,
    "xai": _xai_size,
}


# --- the models --------------------------------------------------------------------

_NOT_FOR_TEXT_TO_IMAGE = frozenset(
    {"image_url", "image_urls", "file_id", "file_ids", "mask", "stream", "partial_images"}
)
_RECRAFT_REJECTED = _NOT_FOR_TEXT_TO_IMAGE | {
    "style",
    "style_id",
    "negative_prompt",
    "text_layout",
    "controls",
}


def _n(maximum: int) -> Field:
    return Field("n", "Images", default=1, min=1, max=maximum)


def _response_format(default: str) -> Field:
    return Field(
        "response_format", "Response format", ("url", "b64_json"), default, user_facing=False
    )


def _gpt_image_2() -> ModelSpec:
    return ModelSpec(
        id="openai/gpt-image-2",
        name="GPT Image 2",
        provider="openai",
        family="openai",
        output=Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE}),
        fields=(
            Field("size", "Size", GPT_SIZES, "1024x1024"),
            Field("quality", "Quality", GPT_QUALITIES, "medium"),
            Field("output_format", "Format", ("png", "jpeg", "webp"), "png"),
            Field(
                "output_compression",
                "Compression",
                min=0,
                max=100,
                help="0-100, JPEG and WebP only.",
                only_with=("output_format", ("jpeg", "webp")),
            ),
            Field(
                "background",
                "Background",
                ("opaque", "auto"),
                help="Transparent backgrounds are not supported by gpt-image-2.",
            ),
            Field("moderation", "Moderation", ("auto", "low")),
            _n(4),
        ),
        rejected=_NOT_FOR_TEXT_TO_IMAGE,
        price=PerToken(Decimal("5"), Decimal("10"), Decimal("40")),
    )


def _recraft(
    slug: str,
    name: str,
    usd: str,
    sizes: Mapping[str, tuple[int, int]],
    extra: tuple[tuple[int, int], ...] = (),
    max_prompt: int = 1_000,
) -> ModelSpec:
    vector = slug.endswith("-vector")
    ratios = tuple(sizes)
    explicit = () if vector else tuple(_size_label(s) for s in (*sizes.values(), *extra))
    return ModelSpec(
        id=f"recraft/{slug}",
        name=name,
        provider="recraft",
        family="recraft",
        output=Output.VECTOR if vector else Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE}),
        fields=(
            Field(
                "size",
                "Aspect ratio" if vector else "Size",
                ratios + tuple(dict.fromkeys(explicit)),
                help="Aspect ratios only for vector models." if vector else "",
            ),
            _response_format("url"),
            _n(6),
        ),
        rejected=_RECRAFT_REJECTED,
        price=PerImage(Decimal(usd)),
        max_prompt_chars=max_prompt,
        ratio_sizes=dict(sizes),
        extra_sizes=tuple(extra),
    )


_REFERENCE_NOTE = "Up to 8 reference images in total across file_id(s) and image_url(s)."


def _gemini(slug: str, name: str, usd: str, aliases: tuple[str, ...] = ()) -> ModelSpec:
    return ModelSpec(
        id=f"google/{slug}",
        name=name,
        provider="google",
        family="gemini",
        output=Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE, Operation.REFERENCES}),
        fields=(
            Field("size", "Size", ("512", "1K", "2K"), "1K"),
            Field("aspect_ratio", "Aspect ratio", GEMINI_RATIOS, "1:1", help=_REFERENCE_NOTE),
            _n(4),
        ),
        rejected=frozenset({"mask", "stream", "partial_images"}),
        price=PerImage(Decimal(usd)),
        aliases=aliases,
    )


def _imagen(slug: str, name: str, usd: str) -> ModelSpec:
    return ModelSpec(
        id=f"google/{slug}",
        name=name,
        provider="google",
        family="imagen",
        output=Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE}),
        fields=(Field("aspect_ratio", "Aspect ratio", tuple(IMAGEN_SIZES), "1:1"), _n(4)),
        rejected=frozenset(REFERENCE_FIELDS) | {"mask", "stream", "partial_images"},
        price=PerImage(Decimal(usd)),
    )


def _xai(slug: str, name: str, usd: str) -> ModelSpec:
    return ModelSpec(
        id=f"xai/{slug}",
        name=name,
        provider="xai",
        family="xai",
        output=Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE, Operation.EDIT}),
        fields=(
            Field("aspect_ratio", "Aspect ratio", XAI_RATIOS, "auto"),
            Field("resolution", "Resolution", ("1k", "2k"), "1k"),
            _response_format("url"),
            _n(10),
        ),
        rejected=frozenset(REFERENCE_FIELDS) | {"mask", "stream", "partial_images"},
        price=PerImage(Decimal(usd)),
        reports_ticks=True,
    )


MODELS: tuple[ModelSpec, ...] = (
    _gpt_image_2(),
    _recraft("recraft-v4", "Recraft V4", "0.04", RECRAFT_V4_SIZES, max_prompt=10_000),
    _recraft("recraft-v4-vector", "Recraft V4 Vector", "0.08", RECRAFT_V4_SIZES, max_prompt=10_000),
    _recraft("recraft-v4-pro", "Recraft V4 Pro", "0.25", RECRAFT_V4_PRO_SIZES, max_prompt=10_000),
    _recraft(
        "recraft-v4-pro-vector",
        "Recraft V4 Pro Vector",
        "0.30",
        RECRAFT_V4_PRO_SIZES,
        max_prompt=10_000,
    ),
    _recraft("recraft-v3", "Recraft V3", "0.04", RECRAFT_V3_SIZES, RECRAFT_V3_EXTRA),
    _recraft("recraft-v3-vector", "Recraft V3 Vector", "0.08", RECRAFT_V3_SIZES),
    _recraft("recraft-v2", "Recraft V2", "0.022", RECRAFT_V3_SIZES, RECRAFT_V3_EXTRA),
    _recraft("recraft-v2-vector", "Recraft V2 Vector", "0.044", RECRAFT_V3_SIZES),
    _gemini(
        "gemini-3.1-flash-image",
        "Gemini 3.1 Flash Image",
        "0.039",
        aliases=("google/gemini-3.1-flash-image-preview",),
    ),
    _gemini("gemini-3-pro-image", "Gemini 3 Pro Image", "0.134"),
    _imagen("imagen-4.0-fast-generate-001", "Imagen 4 Fast", "0.02"),
    _imagen("imagen-4.0-generate-001", "Imagen 4", "0.04"),
    _imagen("imagen-4.0-ultra-generate-001", "Imagen 4 Ultra", "0.06"),
    _xai("grok-imagine-image", "Grok Imagine", "0.02"),
    _xai("grok-imagine-image-quality", "Grok Imagine Quality", "0.04"),
)

PROVIDER_NAMES = {"openai": "OpenAI", "recraft": "Recraft", "google": "Google", "xai": "xAI"}

_BY_ID: dict[str, ModelSpec] = {m.id: m for m in MODELS} | {
    alias: m for m in MODELS for alias in m.aliases
}


def get(model_id: str) -> ModelSpec | None:
    """The spec of a model id (or a documented alias), or None for unknown models."""
    return _BY_ID.get(model_id)


def generic(model_id: str, name: str, provider: str, price: PriceRule | None) -> ModelSpec:
    """A catalog model this spec does not describe: it gets a prompt and `n` only."""
    return ModelSpec(
        id=model_id,
        name=name,
        provider=provider,
        family="generic",
        output=Output.RASTER,
        operations=frozenset({Operation.TEXT_TO_IMAGE}),
        fields=(_n(4),),  # [assumed] the common ceiling
        rejected=frozenset(),
        price=price or PerImage(Decimal(0)),
    )


def reference_capable() -> tuple[ModelSpec, ...]:
    return tuple(m for m in MODELS if m.takes_references)


def edit_capable() -> tuple[ModelSpec, ...]:
    return tuple(m for m in MODELS if m.can_edit)


# --- prices ------------------------------------------------------------------------


def estimate_text_tokens(prompt: str) -> int:
    """About four characters a token; the emulator reports the same. [assumed]"""
    return max(1, math.ceil(len(prompt) / 4))


def gpt_output_tokens(size: str, quality: str) -> int:
    return GPT_OUTPUT_TOKENS[(size, quality)]
