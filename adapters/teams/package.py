"""The Teams app package: draws its two icons (pure Python, no image library) and zips them
with `appPackage/manifest.json`, the bot's id taken from `MicrosoftAppId` when it is set.

    python -m adapters.teams.package [--icons] [--out build/ogpbot-teams.zip]

`make teams-package` runs it. `--icons` redraws the committed PNGs first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from adapters.teams.settings import TeamsSettings

APP_PACKAGE = Path(__file__).with_name("appPackage")
MANIFEST = APP_PACKAGE / "manifest.json"
COLOR = APP_PACKAGE / "color.png"
OUTLINE = APP_PACKAGE / "outline.png"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

RGBA = tuple[int, int, int, int]
ACCENT: RGBA = (0x1F, 0x4E, 0x79, 255)  # the manifest's accentColor, #1F4E79
WHITE: RGBA = (255, 255, 255, 255)
CLEAR: RGBA = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], RGBA]) -> bytes:
    """An RGBA PNG of `pixel(x, y)`."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _bubble(u: float, v: float) -> bool:
    """A speech bubble in the unit square: a rounded box with a tail at the lower left."""
    left, top, right, bottom, r = 0.14, 0.18, 0.86, 0.68, 0.12
    cx = min(max(u, left + r), right - r)
    cy = min(max(v, top + r), bottom - r)
    box = (u - cx) ** 2 + (v - cy) ** 2 <= r * r
    tail = bottom - 0.01 <= v <= 0.86 and 0.26 <= u <= 0.26 + (0.86 - v) * 0.9
    return box or tail


def _dots(u: float, v: float) -> bool:
    return any(math.hypot(u - cx, v - 0.43) <= 0.055 for cx in (0.33, 0.5, 0.67))


def _coverage(size: int, x: int, y: int, inside: Callable[[float, float], bool]) -> float:
    n = 4
    hits = sum(inside((x + (i + 0.5) / n) / size, (y + (j + 0.5) / n) / size)
               for i in range(n) for j in range(n))
    return hits / (n * n)


def _mix(a: RGBA, b: RGBA, amount: float) -> RGBA:
    return tuple(round(p + (q - p) * amount) for p, q in zip(a, b, strict=True))  # type: ignore[return-value]


def color_icon(size: int = 192) -> bytes:
    """The colour icon: a white speech bubble with three dots on the accent colour."""
    def pixel(x: int, y: int) -> RGBA:
        shade = _mix(ACCENT, WHITE, _coverage(size, x, y, _bubble))
        return _mix(shade, ACCENT, _coverage(size, x, y, _dots))
    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """The outline icon: the bubble's white outline on a transparent background."""
    def ring(u: float, v: float) -> bool:
        edge = 1.6 / size
        inner = not all(_bubble(u + du, v + dv) for du in (-edge, edge) for dv in (-edge, edge))
        return _bubble(u, v) and inner

    def pixel(x: int, y: int) -> RGBA:
        alpha = max(_coverage(size, x, y, ring), _coverage(size, x, y, _dots))
        return (255, 255, 255, round(255 * alpha)) if alpha else CLEAR
    return png(size, size, pixel)


def draw_icons() -> None:
    COLOR.write_bytes(color_icon())
    OUTLINE.write_bytes(outline_icon())


def manifest(app_id: str = "") -> dict[str, object]:
    """The manifest, with the bot's (and the app's) id set to `app_id` when it is a GUID."""
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    if app_id and _GUID.match(app_id):
        data["id"] = app_id
        for bot in data.get("bots", []):
            bot["botId"] = app_id
    return data


def build(out: Path, app_id: str = "") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(app_id), indent=2,
                                                     ensure_ascii=False))
        package.write(COLOR, "color.png")
        package.write(OUTLINE, "outline.png")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icons", action="store_true", help="redraw the icons first")
    parser.add_argument("--out", default="build/ogpbot-teams.zip")
    args = parser.parse_args(argv)
    if args.icons:
        draw_icons()
    app_id = TeamsSettings.from_env(os.environ).app_id
    path = build(Path(args.out), app_id)
    note = "" if app_id else f" (no MicrosoftAppId: the bot id is {PLACEHOLDER_ID})"
    print(f"wrote {path}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
