"""python -m companion crosscheck --train: the exit codes and the table."""

from __future__ import annotations

import pytest

from companion import numpy_optimizers, train_crosscheck
from companion.__main__ import main as cli

SMALL = ["--batch", "2", "--time", "5", "--input-size", "3", "--hidden-size", "4"]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_three_ways_passes(optimizer, dtype, capsys):
    argv = ["crosscheck", "--train", "--steps", "12", "--optimizer", optimizer, "--dtype", dtype]
    assert cli([*argv, *SMALL]) == 0
    out = capsys.readouterr().out
    assert "numpy vs keras" in out and "keras vs torch" in out and "step 12" in out
    tolerance = train_crosscheck.TOLERANCES[dtype]
    assert f"training, {optimizer}, {dtype}, 12 steps: 3 of 3 pairs within {tolerance:.0e}" in out


def test_training_fails_when_one_framework_steps_differently(monkeypatch, capsys):
    original = numpy_optimizers.adam_step

    def a_little_off(*args, **kwargs):
        param, m, v = original(*args, **kwargs)
        return param + 1e-9, m, v

    monkeypatch.setattr(numpy_optimizers, "adam_step", a_little_off)
    assert cli(["crosscheck", "--train", "--steps", "3", *SMALL]) == 1
    out = capsys.readouterr().out
    assert "numpy vs keras" in out and "False" in out
    assert "1 of 3 pairs within 1e-12" in out  # Keras and PyTorch still agree


@pytest.mark.parametrize(
    "argv",
    [
        ["--train", "--steps", "0"],
        ["--train", "--optimizer", "rmsprop"],
        ["--train", "--gradients"],
        ["--train", "--model", "gru"],
    ],
)
def test_bad_training_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as raised:
        cli(["crosscheck", *argv])
    assert raised.value.code == 2
    assert "usage" in capsys.readouterr().err
