"""The Thai web font of our pages (the simulator and the admin console): Sarabun, from the fontpkg-sarabun
package, served by the app itself, so Thai reads the same on a machine with no Thai font installed."""

from __future__ import annotations

from importlib import resources

WEB_FONTS = ("Sarabun-Regular.ttf", "Sarabun-Bold.ttf")
CONTENT_TYPE = "font/ttf"
CACHE_CONTROL = "public, max-age=86400"


def web_font(name: str) -> bytes | None:
    """The font file `name` (one of WEB_FONTS), or None when it is not one or the package is missing (the
    pages then fall back to the system's Thai fonts)."""
    if name not in WEB_FONTS:
        return None
    try:
        return resources.files("fontpkg_sarabun").joinpath("files", name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None
