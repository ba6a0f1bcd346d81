"""Chinese characters in figures: the CJK font is installed, registered and used."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("paperang_p2_fonts_cjk")


def test_the_font_file_is_installed_and_registered():
    from matplotlib import font_manager

    from companion.figures.fonts import chinese_font_family, chinese_font_path

    assert chinese_font_path().is_file()
    family = chinese_font_family()
    assert family == ("DejaVu Sans", "WenQuanYi Micro Hei")
    assert family[1] in {font.name for font in font_manager.fontManager.ttflist}


def test_gate_heatmap_draws_chinese_tokens_without_missing_glyphs():
    import matplotlib

    matplotlib.use("Agg")
    from companion.figures.plots import gate_heatmap

    tokens = ["我", "不", "喜欢", "这个", "电影"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise
        figure = gate_heatmap({"i": np.full((5, 3), 0.5)}, tokens, title="我不喜欢这个电影")
        figure.canvas.draw()
    labels = figure.axes[0].get_yticklabels()
    assert [label.get_text() for label in labels] == tokens
    assert labels[0].get_fontfamily() == ["DejaVu Sans", "WenQuanYi Micro Hei"]
    matplotlib.pyplot.close(figure)
