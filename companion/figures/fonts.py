"""Chinese characters in the book's figures.

Matplotlib's default font, DejaVu Sans, has no Chinese characters: a label such as 喜欢 comes
out as empty boxes with a "Glyph missing" warning. :func:`chinese_font_family` registers
WenQuanYi Micro Hei (文泉驿微米黑), a free CJK font that the package
``paperang-p2-fonts-cjk`` installs (``requirements.txt`` pins it), and returns a font family
list that writes Latin text in DejaVu Sans and falls back to WenQuanYi Micro Hei for Chinese.
Nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

FONT_PACKAGE = "paperang_p2_fonts_cjk"
"""The Python package that ships the font file."""
FONT_FILE = "fonts/wqy-microhei.ttc"
"""The font file inside :data:`FONT_PACKAGE`."""


def chinese_font_path() -> Path:
    """The installed font file. Raises ModuleNotFoundError naming the package to install."""
    try:
        folder = resources.files(FONT_PACKAGE)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "Chinese labels need the font package paperang-p2-fonts-cjk; "
            "pip install paperang-p2-fonts-cjk==0.1.0"
        ) from error
    return Path(str(folder / FONT_FILE))


@cache
def chinese_font_family() -> tuple[str, ...]:
    """Register the CJK font with Matplotlib (once) and return the family list to pass as
    ``fontfamily``: DejaVu Sans first, the CJK font for the characters it lacks."""
    from matplotlib import font_manager

    path = chinese_font_path()
    font_manager.fontManager.addfont(str(path))
    return ("DejaVu Sans", font_manager.FontProperties(fname=str(path)).get_name())
