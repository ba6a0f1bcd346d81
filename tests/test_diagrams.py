"""The architecture diagrams label what the equations name (from the one table of gates),
draw the same pixels on every call, and refuse bad input before drawing."""

from __future__ import annotations

import importlib
import io
import re
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.text import Text

from companion import LSTMWeights, weights
from companion.analysis.trace import trace
from companion.figures import diagrams
from companion.figures.diagrams import cells, equations, layers, unrolled, values
from companion.figures.diagrams.equations import (
    GRU_GATES,
    LSTM_GATES,
    SIGMOID,
    TANH,
    letters,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    return buffer.getvalue()


def token_values(hidden: int = 4) -> dict[str, np.ndarray]:
    return {
        "i": np.full(hidden, 0.25),
        "f": np.linspace(0.0, 1.0, hidden),
        "g": np.linspace(-1.0, 0.5, hidden),
        "o": np.full(hidden, 0.75),
        "c_prev": np.full(hidden, -0.5),
        "c": np.linspace(-3.0, 1.0, hidden),
        "h": np.full(hidden, 0.1),
    }


DRAWINGS = {
    "lstm_cell": lambda: diagrams.lstm_cell(),
    "peephole": lambda: diagrams.lstm_variant_cell("peephole"),
    "CIFG": lambda: diagrams.lstm_variant_cell("CIFG"),
    "unrolled_lstm": lambda: diagrams.unrolled_lstm(3),
    "gradient_paths": lambda: diagrams.gradient_paths(3),
    "gru_cell": lambda: diagrams.gru_cell(),
    "stacked_layers": lambda: diagrams.stacked_layers(2, 3),
    "bidirectional_layer": lambda: diagrams.bidirectional_layer("concat", 3),
    "lstm_cell_values": lambda: diagrams.lstm_cell_values(token_values(), "movie"),
}

CELL_LABELS = ["$x_t$", "$h_{t-1}$", "$c_{t-1}$", "$c_t$", "$h_t$", "$i_t$", "$g_t$", "$o_t$"]


def test_lstm_cell_names_every_block_and_node():
    labels = texts(diagrams.lstm_cell())
    for label in [*CELL_LABELS, "$f_t$"]:
        assert label in labels
    assert labels.count(r"$\sigma$") == 3  # i, f, o
    assert labels.count("tanh") == 2  # the candidate g and the output's tanh(c_t)
    assert labels.count(r"$\odot$") == 3  # f_t * c_{t-1}, i_t * g_t, o_t * tanh(c_t)
    assert labels.count("$+$") == 1


def test_peephole_adds_one_connection_per_gate():
    labels = texts(diagrams.lstm_variant_cell("peephole"))
    for label in [*CELL_LABELS, "$f_t$"]:
        assert label in labels
    for peephole in (r"$p_i \odot c_{t-1}$", r"$p_f \odot c_{t-1}$", r"$p_o \odot c_t$"):
        assert peephole in labels


def test_cifg_replaces_the_forget_gate_by_one_minus_input():
    labels = texts(diagrams.lstm_variant_cell("CIFG"))
    for label in CELL_LABELS:
        assert label in labels
    assert "$f_t$" not in labels  # the forget block's own output is gone
    assert "$f_t = 1 - i_t$" in labels
    assert "$1-$" in labels
    assert "no forget block" in labels


def test_unrolled_lstm_numbers_every_step():
    labels = texts(diagrams.unrolled_lstm(3))
    for t in (1, 2, 3):
        for label in (f"$x_{t}$", f"$h_{t}$", f"$c_{t}$", f"$f_{t}$", f"$o_{t}$"):
            assert label in labels
    assert "$c_0$" in labels and "$h_0$" in labels
    assert "$x_4$" not in labels
    assert labels.count(r"$\odot$") == 6  # two per step


def test_gradient_paths_name_both_routes():
    labels = texts(diagrams.gradient_paths(2))
    assert r"$\odot f_1$" in labels and r"$\odot f_2$" in labels
    assert labels.count(r"$U^\top\!,\ \sigma', \tanh'$") == 2
    assert any(r"\delta c_{t-1} = \delta c_t \odot f_t" in label for label in labels)
    assert any(r"\delta h_{t-1} = \delta z_t\, U^\top" in label for label in labels)


def test_gru_cell_uses_the_books_symbols_and_notes_reset_after():
    labels = texts(diagrams.gru_cell())
    for label in ("$u_t$", "$r_t$", "$n_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$1-$"):
        assert label in labels
    assert any("reset_after=True" in label for label in labels)
    assert any("reset_after=False" in label for label in labels)
    assert any("Keras's $z$" in label for label in labels)


def test_stacked_layers_feed_each_layer_from_the_one_below():
    labels = texts(diagrams.stacked_layers(num_layers=3, steps=2))
    assert labels.count("LSTM layer 1") == labels.count("LSTM layer 3") == 2
    assert "$h^{(1)}_2$" in labels and "$h^{(2)}_1$" in labels  # inputs of layers 2 and 3
    assert "$h^{(3)}_2$" in labels  # the stack's last output
    assert any("return_sequences=True" in label for label in labels)


@pytest.mark.parametrize(
    ("merge_mode", "symbol", "width"),
    [("concat", "concat", "2 × units"), ("sum", "+", "units"), ("mul", r"$\odot$", "units"),
     ("ave", "ave", "units")],
)  # fmt: skip
def test_bidirectional_layer_draws_its_merge_mode(merge_mode, symbol, width):
    labels = texts(diagrams.bidirectional_layer(merge_mode, steps=2))
    assert labels.count(symbol) == 2
    assert labels.count("forward") == labels.count("backward") == 2
    assert any(label.endswith(f"output (batch, time, {width})") for label in labels)
    assert "$y_2$" in labels and r"$\overleftarrow{h}_1$" in labels


def test_lstm_cell_values_show_means_and_token():
    values = token_values()
    labels = texts(diagrams.lstm_cell_values(values, "喜欢"))
    assert "The LSTM cell at the token “喜欢”" in labels
    assert "mean 0.25" in labels and "mean 0.75" in labels  # i, o
    assert f"mean {values['g'].mean():.2f}" in labels
    assert f"mean |·| {np.abs(values['c']).mean():.2f}" in labels
    assert "c:  -3" in labels  # the cell-state colour scale reaches the largest |c|
    titled = texts(diagrams.lstm_cell_values(values, "不", sentence="我不喜欢这个电影"))
    assert "The LSTM cell at the token “不” of “我不喜欢这个电影”" in titled


@pytest.mark.filterwarnings("error:Glyph .* missing from font")
def test_chinese_title_is_drawn_with_the_cjk_font():
    figure = diagrams.lstm_cell_values(token_values(), "喜欢")
    title = next(text for text in figure.findobj(Text) if "喜欢" in text.get_text())
    installed = {font.name for font in font_manager.fontManager.ttflist}
    families = title.get_fontfamily()
    assert families[0] == "DejaVu Sans"
    assert set(families) <= installed and len(families) == 2
    png(figure)  # a missing glyph would raise


def test_cell_values_reads_one_token_of_a_trace():
    traced = trace(np.random.default_rng(0).standard_normal((2, 3, 2)), LSTMWeights.random(2, 4))
    first = diagrams.cell_values(traced, 0, sample=1)
    np.testing.assert_array_equal(first["c_prev"], np.zeros(4))
    np.testing.assert_array_equal(first["f"], traced.f[1, 0])
    later = diagrams.cell_values(traced, 2)
    np.testing.assert_array_equal(later["c_prev"], traced.c[0, 1])
    np.testing.assert_array_equal(later["h"], traced.h[0, 2])
    assert sorted(later) == sorted(diagrams.CELL_VALUE_NAMES)
    diagrams.lstm_cell_values(later, "x")
    with pytest.raises(ValueError, match=r"step must be in \[0, 3\); got 3"):
        diagrams.cell_values(traced, 3)


@pytest.mark.parametrize("name", DRAWINGS)
def test_same_call_draws_the_same_pixels(name):
    assert png(DRAWINGS[name]()) == png(DRAWINGS[name]())


@pytest.mark.parametrize("name", DRAWINGS)
def test_figures_keep_to_the_page(name):
    width, height = DRAWINGS[name]().get_size_inches()
    assert 7.5 <= width <= 8.5 and 3.0 <= height <= 5.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"f": np.zeros(5)}, r"values\['f'\] must have shape \(hidden,\) like values\['i'\] "
                             r"\(4,\); got \(5,\)"),
        ({"c": np.zeros((4, 1))}, r"values\['c'\] must have shape \(hidden,\)"),
        ({"o": np.full(4, 1.5)}, r"values\['o'\] must lie in \[0, 1\]; got values from 1.5 to "
                                 r"1.5"),
        ({"g": np.full(4, -2.0)}, r"values\['g'\] must lie in \[-1, 1\]"),
        ({"h": np.full(4, np.nan)}, r"values\['h'\] must be finite"),
        ({"h_prev": np.zeros(4)}, r"missing \[\], unknown \['h_prev'\]"),
    ],
)  # fmt: skip
def test_lstm_cell_values_rejects_bad_values(change, message):
    with pytest.raises(ValueError, match=message):
        diagrams.lstm_cell_values({**token_values(), **change}, "x")


def test_lstm_cell_values_names_missing_values_and_rejects_empty_token():
    values = token_values()
    del values["c_prev"]
    with pytest.raises(ValueError, match=r"missing \['c_prev'\], unknown \[\]"):
        diagrams.lstm_cell_values(values, "x")
    with pytest.raises(ValueError, match="token must be a non-empty string; got ''"):
        diagrams.lstm_cell_values(token_values(), "")
    with pytest.raises(ValueError, match="sentence must be a string; got None"):
        diagrams.lstm_cell_values(token_values(), "x", sentence=None)


def test_bad_choices_are_named():
    with pytest.raises(
        ValueError, match=r"merge_mode must be one of \['concat', 'sum', 'mul', 'ave'\]; got 'max'"
    ):
        diagrams.bidirectional_layer("max")
    with pytest.raises(ValueError, match=r"variant must be one of \['CIFG', 'peephole'\]"):
        diagrams.lstm_variant_cell("GRU")
    for bad in (0, 4):
        with pytest.raises(ValueError, match="steps must be an integer from 1 to 3"):
            diagrams.unrolled_lstm(bad)
    for bad in (2.0, True):
        with pytest.raises(TypeError, match="steps must be an integer from 1 to 3; got"):
            diagrams.unrolled_lstm(bad)
    with pytest.raises(ValueError, match="steps must be an integer from 1 to 3; got 5"):
        diagrams.gradient_paths(5)
    with pytest.raises(ValueError, match="num_layers must be an integer from 1 to 3; got 0"):
        diagrams.stacked_layers(num_layers=0)
    with pytest.raises(ValueError, match="steps must be an integer from 1 to 3; got 4"):
        diagrams.bidirectional_layer("sum", steps=4)


# --- The table of gates ----------------------------------------------------------------------


def test_the_table_holds_the_gates_in_the_order_of_the_weights():
    assert tuple(gate.letter for gate in LSTM_GATES) == weights.GATES
    assert tuple(gate.block for gate in LSTM_GATES) == weights.GATES
    assert tuple(gate.block for gate in GRU_GATES) == weights.GRU_GATES
    assert [gate.letter for gate in GRU_GATES] == ["u", "r", "n"]
    candidates = {equations.CANDIDATE, equations.GRU_CANDIDATE}
    for gate in (*LSTM_GATES, *GRU_GATES):
        assert gate.activation is (TANH if gate in candidates else SIGMOID)
    assert equations.FORGET.symbol == "$f_t$" and equations.OUTPUT.at(2) == "o_2"
    assert letters(LSTM_GATES) == "$i, f, g, o$"
    assert diagrams.CELL_VALUE_NAMES[:4] == weights.GATES


def test_block_labels_are_the_activations_of_the_table():
    labels = texts(diagrams.lstm_cell())
    sigmoid_gates = sum(gate.activation is SIGMOID for gate in LSTM_GATES)
    assert labels.count(SIGMOID.label) == sigmoid_gates
    assert labels.count(TANH.label) == len(LSTM_GATES) - sigmoid_gates + 1  # + tanh(c_t)
    shown = texts(diagrams.lstm_cell_values(token_values(), "x"))
    assert shown.count(SIGMOID.label) == sigmoid_gates  # the blocks' own text is left empty


RENAMED = dict(zip("ifgourn", "abdevsm", strict=True))
"""A renaming of every gate letter, LSTM then GRU, to letters no drawing uses otherwise."""


@pytest.fixture
def renamed_gates(monkeypatch):
    """The drawing modules, imported again after every gate's letter in the table is
    renamed by :data:`RENAMED`; imported once more with the table as it is afterwards."""
    gates = (*LSTM_GATES, *GRU_GATES)
    new = {gate: replace(gate, letter=RENAMED[gate.letter]) for gate in gates}
    for name, value in vars(equations).copy().items():
        if isinstance(value, equations.Gate):
            monkeypatch.setattr(equations, name, new[value])
        elif isinstance(value, tuple) and value and isinstance(value[0], equations.Gate):
            monkeypatch.setattr(equations, name, tuple(new[gate] for gate in value))
    drawing_modules = (cells, values, unrolled, layers, diagrams)
    for module in drawing_modules:
        importlib.reload(module)
    yield
    monkeypatch.undo()
    for module in drawing_modules:
        importlib.reload(module)


def gate_symbols(labels: list[str]) -> set[str]:
    """The single-letter symbols with a time index or a gate index in ``labels``: f_t, o_2,
    the p_f of a peephole."""
    symbols = set()
    for text in labels:
        symbols |= set(re.findall(r"(?<![\\a-zA-Z])[a-z]_(?:[t0-9]\b|[a-z]\b)", text))
    return symbols


def test_every_gate_label_comes_from_the_table(renamed_gates):
    assert diagrams.CELL_VALUE_NAMES[:4] == ("a", "b", "d", "e")
    renamed_values = {RENAMED.get(name, name): value for name, value in token_values().items()}
    drawings = [*(call() for name, call in DRAWINGS.items() if name != "lstm_cell_values")]
    drawings.append(diagrams.lstm_cell_values(renamed_values, "x"))
    labels = [label for figure in drawings for label in texts(figure)]
    old = {f"{letter}_{index}" for letter in RENAMED for index in ("t", "1", "2", "3")}
    old |= {f"p_{letter}" for letter in RENAMED}
    assert gate_symbols(labels) & old == set()
    for symbol in ("a_t", "b_t", "d_t", "e_t", "b_1", "e_3", "p_b", "p_a", "p_e", "v_t"):
        assert symbol in gate_symbols(labels)
    assert "$a, b, d, e$" in labels  # the unrolled cell's gates block
    assert "$b_t = 1 - a_t$" in labels  # CIFG
    assert "CIFG: coupled input and forget gate, $b_t = 1 - a_t$" in labels
    assert r"$\odot b_2$" in labels  # the gradient along c
    assert any(label.startswith("$v_t$: update gate (Keras's $z$), $s_t$: reset gate, $m_t$")
               for label in labels)  # fmt: skip


def test_the_symbols_found_are_those_of_the_book():
    """The check above would pass if gate_symbols found nothing: here it finds every gate."""
    labels = [label for call in DRAWINGS.values() for label in texts(call())]
    found = gate_symbols(labels)
    assert {"f_t", "i_t", "g_t", "o_t", "f_1", "o_3", "p_f", "u_t", "r_t", "n_t"} <= found
