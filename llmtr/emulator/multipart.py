"""A small multipart/form-data parser (the stdlib `cgi` module is deprecated).

It splits the body on the boundary and reads each part's headers with the email
package, which is all the single upload endpoint needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser


@dataclass(frozen=True)
class Part:
    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def boundary_of(content_type: str) -> str | None:
    """The boundary of a multipart/form-data Content-Type, else None."""
    message = Message()
    message["Content-Type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


def parse_form(body: bytes, boundary: str) -> dict[str, Part]:
    """The named parts of a form body; a repeated name keeps its first part."""
    delimiter = b"--" + boundary.encode("latin-1")
    parts: dict[str, Part] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        raw_headers, _, content = chunk.partition(b"\r\n\r\n")
        headers = BytesHeaderParser().parsebytes(raw_headers + b"\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in parts:
            continue
        parts[name] = Part(
            name=name,
            content=content,
            filename=headers.get_filename(),
            content_type=headers.get_content_type() if "content-type" in headers else None,
        )
    return parts
