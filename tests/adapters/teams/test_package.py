"""The Teams app package: the manifest holds to Microsoft's published schema (1.29), the icons
are the sizes Teams asks for, and `make teams-package` zips them with the bot's id."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from adapters.teams import package

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_NAME = "teams-app-manifest-1.29.schema.json"
APP_ID = "0f7c2d8e-1111-4222-8333-444455556666"


def schema_path() -> Path:
    for shared in (ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")):
        if (shared / "schemas" / SCHEMA_NAME).is_file():
            return shared / "schemas" / SCHEMA_NAME
    pytest.skip(f"{SCHEMA_NAME} is not beside this checkout")


def pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and RGBA rows of a PNG written without filters."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
    assert depth == 8
    start = data.index(b"IDAT")
    length = struct.unpack(">I", data[start - 4:start])[0]
    raw = zlib.decompress(data[start + 4:start + 4 + length])
    stride = width * 4 + 1
    rows = [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]
    return width, height, kind, rows


def test_the_manifest_holds_to_the_published_schema() -> None:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    for app_id in ("", APP_ID):
        manifest = package.manifest(app_id)
        jsonschema.Draft7Validator(schema).validate(manifest)
        jsonschema.validators.validator_for(schema)(schema).validate(manifest)
    bot = package.manifest(APP_ID)["bots"][0]  # type: ignore[index]
    assert bot["botId"] == APP_ID
    commands = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert {"help", "propose", "status", "agenda", "channel here"} <= commands


def test_the_colour_icon_is_192_square_and_opaque() -> None:
    width, height, kind, rows = pixels(package.COLOR.read_bytes())
    assert (width, height, kind) == (192, 192, 6)
    assert all(row[x * 4 + 3] == 255 for row in rows for x in range(width))


def test_the_outline_icon_is_32_white_on_transparent() -> None:
    width, height, kind, rows = pixels(package.OUTLINE.read_bytes())
    assert (width, height, kind) == (32, 32, 6)
    alphas = [row[x * 4 + 3] for row in rows for x in range(width)]
    assert alphas[0] == alphas[31] == alphas[-1] == 0  # transparent background
    assert sum(a == 0 for a in alphas) > len(alphas) // 2
    drawn = [row[x * 4:x * 4 + 3] for row in rows for x in range(width) if row[x * 4 + 3]]
    assert drawn and all(rgb == b"\xff\xff\xff" for rgb in drawn)


def test_the_committed_icons_are_what_the_script_draws() -> None:
    assert package.color_icon() == package.COLOR.read_bytes()
    assert package.outline_icon() == package.OUTLINE.read_bytes()


def test_the_package_zips_manifest_and_icons(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    out = tmp_path / "ogpbot-teams.zip"
    assert package.main(["--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        assert zipped.read("outline.png") == package.OUTLINE.read_bytes()
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
