"""Mirror one 2048x2048 PNG: decode, store, thumbnail. Target: <= 0.3 s.

Uses the studio's own code path (generations.mirror.process + store) on a photo-like
image (noise over a gradient, so PNG compression and decoding do real work).
"""

from __future__ import annotations

import io
import tempfile
import time

from bench.common import median, report, setup_django


def _sample_png() -> bytes:
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((2048, 2048))
    noise = Image.effect_noise((2048, 2048), 48)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_90)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def main() -> list[dict]:
    media = tempfile.mkdtemp(prefix="bench-media-")
    setup_django(MEDIA_ROOT=media)
    from generations import mirror

    data = _sample_png()
    timings = []
    for i in range(7):
        started = time.perf_counter()
        processed = mirror.process(data)
        mirror.store(processed, prefix=f"bench/{i}")
        timings.append(time.perf_counter() - started)
    print(f"mirror: 2048x2048 PNG of {len(data) / 1e6:.1f} MB, 7 runs")
    value = median(timings)
    return [report("mirror one 2048x2048 PNG (median)", value, "s", "<= 0.3 s", value <= 0.3)]


if __name__ == "__main__":
    main()
