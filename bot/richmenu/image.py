"""Drawing the rich menu's image: coloured tiles with an icon, a Thai label and a hint, in a grid.

The Thai font comes from a package, never from the network: the `fontpkg-sarabun` PyPI package (a project
dependency) first, then Debian's Thai fonts (fonts-thai-tlwg, fonts-noto-core).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from texts import cli

MAX_IMAGE_BYTES = 1024 * 1024
DEBIAN_THAI_FONTS = (
    Path("/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf"),
    Path("/usr/share/fonts/opentype/tlwg/Loma-Bold.otf"),
    Path("/usr/share/fonts/truetype/tlwg/Garuda-Bold.ttf"),
    Path("/usr/share/fonts/opentype/tlwg/Garuda-Bold.otf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansThai-Bold.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"),
)
WHITE = (255, 255, 255)
GAP = 6  # the light lines between tiles


class ThaiFontError(RuntimeError):
    """No usable Thai font; the message is Thai and says what to install."""


@dataclass(frozen=True)
class Tile:
    label: str
    hint: str
    color: tuple[int, int, int]
    icon: str  # "report" | "complaint" | "follow" | "help"


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


def grid(width: int, height: int, columns: int, rows: int) -> list[Box]:
    """The tiles' boxes, left to right then top to bottom, covering the whole image."""
    xs = [round(width * c / columns) for c in range(columns + 1)]
    ys = [round(height * r / rows) for r in range(rows + 1)]
    return [Box(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]) for r in range(rows) for c in range(columns)]


def _packaged_fonts() -> Iterable[Path]:
    try:
        files = resources.files("fontpkg_sarabun").joinpath("files")
    except ModuleNotFoundError:
        return []
    return [Path(str(files.joinpath(name))) for name in ("Sarabun-Bold.ttf", "Sarabun-SemiBold.ttf")]


def _draws_thai(path: Path) -> bool:
    """True when the font has real Thai glyphs (not the empty box it draws for a missing character)."""
    try:
        font = ImageFont.truetype(str(path), 48)
    except OSError:
        return False
    thai = font.getmask("ก")
    missing = font.getmask("\U000f0000")  # a private-use character: drawn as the font's "missing" glyph
    return thai.getbbox() is not None and (thai.size != missing.size or bytes(thai) != bytes(missing))


def find_thai_font(preferred: Path | None = None) -> Path:
    """The font to draw with: `preferred` when given (it must draw Thai), else the first packaged one."""
    if preferred is not None:
        if not preferred.is_file() or not _draws_thai(preferred):
            raise ThaiFontError(cli.CLI_RICHMENU_FONT_NO_THAI.format(path=preferred))
        return preferred
    for path in [*_packaged_fonts(), *DEBIAN_THAI_FONTS]:
        if path.is_file() and _draws_thai(path):
            return path
    raise ThaiFontError(cli.CLI_RICHMENU_FONT_MISSING)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    # Raqm shapes Thai properly (vowels and tone marks stacked as they should be) when Pillow has it.
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


def _fit(path: Path, text: str, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    font = _font(path, size)
    while size > 20 and font.getlength(text) > max_width:
        size -= 4
        font = _font(path, size)
    return font


def _icon(draw: ImageDraw.ImageDraw, kind: str, cx: int, cy: int, r: int, color: tuple[int, int, int],
          font_path: Path) -> None:
    """A white disc with a simple pictogram in the tile's colour."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    w = max(6, r // 9)
    if kind == "report":  # a sheet with lines and a tick
        draw.rounded_rectangle((cx - r * 0.45, cy - r * 0.6, cx + r * 0.45, cy + r * 0.6), radius=r // 10,
                               outline=color, width=w)
        for i in range(3):
            y = cy - r * 0.3 + i * r * 0.22
            draw.line((cx - r * 0.25, y, cx + r * 0.25, y), fill=color, width=w // 2 + 2)
        draw.line((cx - r * 0.2, cy + r * 0.35, cx - r * 0.05, cy + r * 0.48, cx + r * 0.25, cy + r * 0.2),
                  fill=color, width=w, joint="curve")
    elif kind == "complaint":  # a shield with an exclamation mark
        top, bottom = cy - r * 0.62, cy + r * 0.66
        draw.polygon([(cx - r * 0.5, top + r * 0.1), (cx, top), (cx + r * 0.5, top + r * 0.1),
                      (cx + r * 0.45, cy + r * 0.2), (cx, bottom), (cx - r * 0.45, cy + r * 0.2)], fill=color)
        draw.rounded_rectangle((cx - w * 0.6, cy - r * 0.4, cx + w * 0.6, cy + r * 0.15), radius=w // 2, fill=WHITE)
        draw.ellipse((cx - w * 0.75, cy + r * 0.27, cx + w * 0.75, cy + r * 0.27 + w * 1.5), fill=WHITE)
    elif kind == "follow":  # a magnifying glass
        lens = r * 0.36
        lx, ly = cx - r * 0.12, cy - r * 0.12
        draw.ellipse((lx - lens, ly - lens, lx + lens, ly + lens), outline=color, width=w)
        draw.line((lx + lens * 0.7, ly + lens * 0.7, cx + r * 0.5, cy + r * 0.5), fill=color, width=int(w * 1.6))
    else:  # help: a question mark
        font = _font(font_path, int(r * 1.3))
        draw.text((cx, cy), "?", font=font, fill=color, anchor="mm")


def draw_menu(tiles: list[Tile], boxes: list[Box], size: tuple[int, int], font_path: Path) -> bytes:
    """The menu image as PNG bytes (JPEG if a PNG would be over LINE's 1 MB)."""
    if len(tiles) != len(boxes):
        raise ValueError("one box per tile")
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    for tile, box in zip(tiles, boxes, strict=True):
        draw.rectangle((box.x + GAP, box.y + GAP, box.x + box.width - GAP, box.y + box.height - GAP),
                       fill=tile.color)
        cx = box.x + box.width // 2
        r = int(min(box.width, box.height) * 0.16)
        icon_y = box.y + int(box.height * 0.30)
        _icon(draw, tile.icon, cx, icon_y, r, tile.color, font_path)
        label = _fit(font_path, tile.label, int(box.height * 0.17), int(box.width * 0.86))
        draw.text((cx, box.y + int(box.height * 0.64)), tile.label, font=label, fill=WHITE, anchor="mm")
        hint = _fit(font_path, tile.hint, int(box.height * 0.075), int(box.width * 0.86))
        draw.text((cx, box.y + int(box.height * 0.82)), tile.hint, font=hint, fill=WHITE, anchor="mm")
    return encode(image)


def encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    if out.tell() <= MAX_IMAGE_BYTES:
        return out.getvalue()
    for quality in (90, 80, 70, 60):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        if out.tell() <= MAX_IMAGE_BYTES:
            break
    return out.getvalue()


def content_type_of(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
