"""SVG from the gateway, rewritten from an allowlist before anyone can open it.

Only known SVG elements and attributes survive; everything else goes, with its
subtree for elements that can carry active content. No reference may leave the file:
`href` only to `#id` (or, on <image>, an inline raster data URL), every `url(...)` only
`url(#id)`, no CSS escapes and no style sheets (a <style> element is dropped whole,
`style=""` keeps only allowed properties). Parsing goes through defusedxml, so DTDs
and entities cannot expand. The sanitised bytes are what storage keeps: downloads,
zips and object storage all serve the safe copy.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

DEFAULT_EDGE = 1024
MAX_EDGE = 16_384  # a size beyond this is treated as unparseable, not trusted

ELEMENTS = frozenset(
    """svg g defs title desc symbol use path rect circle ellipse line polyline polygon
    text tspan textPath linearGradient radialGradient stop clipPath mask pattern marker
    filter image switch feBlend feColorMatrix feComponentTransfer feComposite
    feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow
    feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode
    feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
    feTurbulence""".split()
)
# Presentation properties: allowed as attributes and inside style="".
PROPERTIES = frozenset(
    """fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity
    clip-path clip-rule mask filter marker-start marker-mid marker-end color display
    visibility font-family font-size font-weight font-style font-variant font-stretch
    text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing
    word-spacing text-decoration stop-color stop-opacity flood-color flood-opacity
    lighting-color color-interpolation color-interpolation-filters paint-order
    vector-effect shape-rendering image-rendering text-rendering mix-blend-mode
    isolation overflow transform-origin writing-mode direction unicode-bidi""".split()
)
ATTRIBUTES = PROPERTIES | frozenset(
    """id class x y width height cx cy r rx ry x1 y1 x2 y2 fx fy fr points d transform
    viewBox preserveAspectRatio version offset gradientUnits gradientTransform
    spreadMethod patternUnits patternContentUnits patternTransform clipPathUnits
    maskUnits maskContentUnits filterUnits primitiveUnits in in2 result stdDeviation dx
    dy mode operator k1 k2 k3 k4 values type tableValues slope intercept amplitude
    exponent offset baseFrequency numOctaves seed stitchTiles scale xChannelSelector
    yChannelSelector radius order kernelMatrix divisor bias targetX targetY edgeMode
    kernelUnitLength preserveAlpha surfaceScale diffuseConstant specularConstant
    specularExponent azimuth elevation z pointsAtX pointsAtY pointsAtZ
    limitingConeAngle markerWidth markerHeight refX refY orient markerUnits
    lengthAdjust textLength rotate startOffset method spacing pathLength href style
    requiredFeatures systemLanguage""".split()
)
SAFE_DATA_URL = re.compile(r"^data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=\s]*$")
_LOCAL_ID = r"#[A-Za-z_][\w.:-]*"
_URL = re.compile(r"url\s*\(", re.I)
_LOCAL_URL = re.compile(rf"url\(\s*(['\"]?){_LOCAL_ID}\1\s*\)", re.I)


class SvgRejected(ValueError):
    """Not an SVG the studio keeps; the message is a sentence for people."""


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _safe_value(value: str) -> bool:
    """No escapes, no script, and every url() pointing inside the file."""
    lowered = value.lower()
    if "\\" in value or "javascript:" in lowered.replace(" ", "") or "expression(" in lowered:
        return False
    return len(_URL.findall(value)) == len(_LOCAL_URL.findall(value))


def _clean_style(value: str) -> str:
    kept = []
    for declaration in value.split(";"):
        prop, sep, val = declaration.partition(":")
        prop, val = prop.strip().lower(), val.strip()
        if sep and prop in PROPERTIES and val and "@" not in val and _safe_value(val):
            kept.append(f"{prop}:{val}")
    return ";".join(kept)


def _clean_attributes(element: ET.Element, tag: str) -> None:
    for name, value in list(element.attrib.items()):
        ns, local = _local(name)
        keep = False
        if local == "href" and ns in ("", XLINK_NS):
            keep = bool(re.fullmatch(_LOCAL_ID, value.strip())) or (
                tag == "image" and bool(SAFE_DATA_URL.match(value.strip()))
            )
        elif ns == XML_NS and local == "space":
            keep = value in ("default", "preserve")
        elif ns == "" and local in ATTRIBUTES and local != "href":
            if local == "style":
                cleaned = _clean_style(value)
                if cleaned:
                    element.set(name, cleaned)
                keep = bool(cleaned)
            else:
                keep = _safe_value(value)
        if not keep:
            del element.attrib[name]


def _clean(element: ET.Element) -> None:
    for child in list(element):
        tag = child.tag if isinstance(child.tag, str) else ""
        ns, local = _local(tag)
        if ns != SVG_NS or local not in ELEMENTS:
            element.remove(child)  # with everything inside it
            continue
        _clean_attributes(child, local)
        _clean(child)
    if element.text and _local(element.tag)[1] not in (
        "text",
        "tspan",
        "textPath",
        "title",
        "desc",
    ):
        element.text = element.text if element.text.isspace() else None


def sanitize(data: bytes) -> tuple[bytes, int, int]:
    """The allowlisted copy of `data`, and its size in pixels. Raises SvgRejected."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise SvgRejected("The SVG declares a DOCTYPE or entities; it is not accepted.") from None
    except ET.ParseError:
        raise SvgRejected("The SVG is not well-formed XML.") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise SvgRejected("The file is not an SVG image.")
    _clean_attributes(root, "svg")
    _clean(root)
    _drop_bad_geometry(root)
    width, height = size(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), width, height


def _length(value: str | None) -> float | None:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px)?\s*", value or "")
    if not match:
        return None
    number = float(match.group(1))
    return number if math.isfinite(number) and 0 < number <= MAX_EDGE else None


def _drop_bad_geometry(root: ET.Element) -> None:
    """Sizes a viewer could not read either are dropped rather than kept."""
    for name in ("width", "height"):
        value = root.get(name)
        if value is not None and _length(value) is None and not value.strip().endswith("%"):
            del root.attrib[name]
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if root.get("viewBox") is not None and (
        len(box) != 4 or _length(box[2]) is None or _length(box[3]) is None
    ):
        del root.attrib["viewBox"]


def size(root: ET.Element) -> tuple[int, int]:
    """Width and height in pixels: the attributes, else the viewBox, else a default.
    A value that is not a plain finite length (`abc`, `nan`, `1e999`, `1.2.3`) counts
    as absent; nothing here raises."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    if not (width and height):
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            width, height = _length(box[2]), _length(box[3])
    if not (width and height):
        return DEFAULT_EDGE, DEFAULT_EDGE
    return max(1, round(width)), max(1, round(height))
