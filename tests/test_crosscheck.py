"""The crosscheck module and its command line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from companion import crosscheck, numpy_lstm
from companion.__main__ import main as cli


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cli_passes_and_prints_a_table(dtype, capsys):
    assert cli(["crosscheck", "--dtype", dtype, "--batch", "2", "--time", "4", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "numpy vs keras" in out and "keras vs torch" in out
    assert "all together" in out
    assert f"lstm, {dtype}: 45 of 45 comparisons within" in out


@pytest.mark.keras
def test_cli_fails_when_a_backend_disagrees(monkeypatch, capsys):
    original = numpy_lstm.forward

    def off_by_a_little(*args, **kwargs):
        out = original(*args, **kwargs)
        return out._replace(h=out.h + 1e-9)

    monkeypatch.setattr(numpy_lstm, "forward", off_by_a_little)
    assert cli(["crosscheck", "--time", "3"]) == 1
    out = capsys.readouterr().out
    assert "numpy vs keras  h        1.00e-09    1e-12      False" in out
    assert "lstm, float64: 35 of 45 comparisons within 1e-12" in out


@pytest.mark.keras
def test_compare_rows_and_verdicts():
    rows = crosscheck.compare(crosscheck.Case(batch=2, time=3, mask=True), "float32")
    assert [r.pair for r in rows[::3]] == ["numpy vs keras", "numpy vs torch", "keras vs torch"]
    assert {r.output for r in rows} == {"outputs", "h", "c"}
    assert all(r.ok and r.tolerance == 1e-5 for r in rows)


def test_table_without_magnitudes_is_machine_independent():
    rows = [crosscheck.Difference("plain", "numpy vs torch", "h", 1.1e-16, 1e-12)]
    table = crosscheck.format_table(rows, magnitudes=False)
    assert "1.10e-16" not in table
    assert "< 1e-12: True" in table
    assert "1.10e-16" in crosscheck.format_table(rows)


def test_case_inputs_are_reproducible():
    case = crosscheck.Case(initial_state=True, mask=True)
    first, second = case.inputs("float64"), case.inputs("float64")
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[3], second[3])
    assert first[1] == second[1]


def test_unknown_command_and_backend():
    assert cli(["frobnicate"]) == 2
    with pytest.raises(ValueError, match="backend must be one of"):
        crosscheck.run("jax", crosscheck.Case(), "float64")


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "companion", "crosscheck", "--time", "2", "--batch", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "lstm, float64: 45 of 45 comparisons within 1e-12" in result.stdout
    assert "cuda" not in result.stderr.lower()  # TensorFlow's start-up noise is filtered


@pytest.mark.keras
def test_compare_gradients_rows_and_scaled_tolerances():
    case = crosscheck.Case(batch=2, time=3, mask=True, initial_state=True)
    rows = crosscheck.compare_gradients(case, "float32")
    assert len(rows) == 3 * 6
    assert {r.output for r in rows} == {
        "d kernel",
        "d recurrent_kernel",
        "d bias",
        "d x",
        "d h0",
        "d c0",
    }
    assert all(r.ok and r.tolerance >= 1e-5 for r in rows)
    assert crosscheck.gradient_backends("lstm") == ["numpy", "keras", "torch"]


@pytest.mark.keras
def test_cli_compares_gradients_on_request(capsys):
    args = ["crosscheck", "--gradients", "--batch", "2", "--time", "3", "--seed", "1"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert "d recurrent_kernel" in out
    assert "lstm, float64: 135 of 135 comparisons within 1e-12 (gradients: times" in out


@pytest.mark.keras
def test_cli_fails_when_a_gradient_disagrees(monkeypatch, capsys):
    original = numpy_lstm.gradients

    def wrong_bias(*args, **kwargs):
        grads = original(*args, **kwargs)
        return grads._replace(bias=grads.bias + 1e-8)

    monkeypatch.setattr(numpy_lstm, "gradients", wrong_bias)
    assert cli(["crosscheck", "--gradients", "--time", "2", "--batch", "1"]) == 1
    out = capsys.readouterr().out
    assert "lstm, float64: 125 of 135 comparisons" in out
    assert "d bias" in out.splitlines()[-1]


def test_gradient_scale_is_at_least_one():
    assert crosscheck.gradient_scale(np.array([0.1]), np.array([-0.2])) == 1.0
    assert crosscheck.gradient_scale(np.array([30.0]), np.array([-40.0])) == 40.0


def test_module_help_exits_zero_with_usage_on_stdout(capsys):
    assert cli(["--help"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: python -m companion")
    assert "crosscheck" in captured.out
    assert captured.err == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--batch", "0"], "argument --batch: must be a positive integer; got 0"),
        (["--input-size", "-1"], "argument --input-size: must be a positive integer; got -1"),
        (["--hidden-size", "x"], "argument --hidden-size: must be a positive integer; got 'x'"),
        (["--time", "0"], "argument --time: must be a positive integer; got 0"),
        (["--seed", "-2"], "argument --seed: must be a non-negative integer; got -2"),
    ],
)
def test_cli_checks_its_numbers(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        crosscheck.main(arguments)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.keras
@pytest.mark.parametrize("gradients", [False, True])
def test_cli_covers_stacked_layers(gradients, capsys):
    arguments = ["crosscheck", "--model", "stacked", "--time", "3", "--batch", "2"]
    assert cli(arguments + (["--gradients"] if gradients else [])) == 0
    out = capsys.readouterr().out
    assert "stacked, float64:" in out
    assert "numpy vs torch" in out
