"""What makes "the same recipe" train differently in Keras and PyTorch by default.

"The same initial weights, the same batches, Adam, clipping at 1" is not one recipe: each
framework fills in details, and each detail is a different run. :data:`DEFAULTS` lists
them, with Keras's default, PyTorch's and the book's choice; :func:`measure` trains the book's
recipe (``BOOK``) and the recipe with one detail changed to a framework's default, and
reports how far apart their weights are after the first step and after the last.

Every row but two is computed in NumPy (:mod:`companion.numpy_tagger`), since the NumPy
training takes each convention as a setting; PyTorch's two biases are trained by
:mod:`companion.torch_tagger` and Keras's row-by-row embedding gradients by
:mod:`companion.keras_tagger` (on its backend, TensorFlow by default), each against the
same framework with the book's choice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from companion import numpy_tagger
from companion.optimizers import TORCH_CLIP_EPSILON, Adam, Clipping
from companion.tagger import TaggerWeights, TrainingInputs, Trajectory, largest_difference


class Recipe(NamedTuple):
    """Everything a training run is made of besides the data."""

    weights: TaggerWeights
    optimizer: Any
    clipping: Clipping | None
    reduction: str


def book_recipe(weights: TaggerWeights) -> Recipe:
    """The book's choices: Adam (lr 1e-2) in PyTorch's convention, the global norm clipped
    to 0.25 exactly (Keras's formula), the mean over batch and time, one LSTM bias."""
    return Recipe(weights, Adam(0.01), Clipping(0.25), "mean")


def _numpy(recipe: Recipe, data: TrainingInputs, **changes: Any) -> Trajectory:
    recipe = recipe._replace(**changes)
    return numpy_tagger.train(
        recipe.weights,
        *data,
        recipe.optimizer,
        clipping=recipe.clipping,
        reduction=recipe.reduction,
    )


class Default(NamedTuple):
    """One detail of a training recipe: what Keras, PyTorch and the book do, and how to run
    the book's recipe with the detail changed (a pair of runs: the book's, the changed)."""

    detail: str
    keras: str
    pytorch: str
    book: str
    runs: Callable[[Recipe, TrainingInputs], tuple[Trajectory, Trajectory]]


def _changed(**changes: Any) -> Callable[[Recipe, TrainingInputs], tuple]:
    def runs(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
        return _numpy(recipe, data), _numpy(recipe, data, **changes)

    return runs


def _keras_adam(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
    lr = recipe.optimizer.learning_rate
    return _numpy(recipe, data), _numpy(
        recipe, data, optimizer=Adam(lr, convention="keras")
    )


def _pytorch_init(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
    w = recipe.weights
    other = TaggerWeights.random(
        w.vocabulary, w.lstm.input_size, w.lstm.hidden_size, w.classes, init="pytorch",
        dtype=w.dtype,
    )
    return _numpy(recipe, data), _numpy(recipe, data, weights=other)


def _clipping(**changes: Any) -> Callable[[Recipe, TrainingInputs], tuple]:
    def runs(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
        clipping = dataclasses.replace(recipe.clipping, **changes) if recipe.clipping else None
        return _numpy(recipe, data), _numpy(recipe, data, clipping=clipping)

    return runs


def _torch_two_biases(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
    from companion import torch_tagger

    arguments = {"clipping": recipe.clipping, "reduction": recipe.reduction}
    return (
        torch_tagger.train(recipe.weights, *data, recipe.optimizer, **arguments),
        torch_tagger.train(recipe.weights, *data, recipe.optimizer, **arguments,
                           train_bias_hh=True),
    )


def _keras_row_by_row(recipe: Recipe, data: TrainingInputs) -> tuple[Trajectory, Trajectory]:
    from companion import keras_tagger

    # Keras's own Adam on both sides: PyTorchAdam makes its gradients dense whatever is asked.
    adam = Adam(recipe.optimizer.learning_rate, convention="keras")
    arguments = {"clipping": recipe.clipping, "reduction": recipe.reduction}
    return (
        keras_tagger.train(recipe.weights, *data, adam, **arguments),
        keras_tagger.train(recipe.weights, *data, adam, **arguments, dense_gradients=False),
    )


DEFAULTS = (
    Default(
        "Adam's epsilon",
        "1e-7, added to sqrt(v)",
        "1e-8, added to sqrt(v_hat)",
        "PyTorch's",
        _keras_adam,
    ),
    Default(
        "clipping by norm",
        "clipnorm: each variable's norm",
        "clip_grad_norm_: the global norm",
        "the global norm",
        _clipping(scope="per_variable"),
    ),
    Default(
        "global-norm clipping formula",
        "max_norm / norm",
        "max_norm / (norm + 1e-6)",
        "Keras's",
        _clipping(epsilon=TORCH_CLIP_EPSILON),
    ),
    Default(
        "loss reduction",
        "mean over batch and time",
        "mean over batch and time",
        "the mean (not the sum)",
        _changed(reduction="sum"),
    ),
    Default(
        "initial weights",
        "Glorot, orthogonal, forget bias 1",
        "U(+-1/sqrt(hidden)), N(0, 1) embedding",
        "Keras's",
        _pytorch_init,
    ),
    Default(
        "LSTM biases",
        "one vector",
        "two vectors, both trained",
        "one (bias_hh frozen at 0)",
        _torch_two_biases,
    ),
    Default(
        "an embedding's gradient",
        "row by row (TensorFlow)",
        "dense",
        "dense",
        _keras_row_by_row,
    ),
)
"""The details of a recipe in which Keras's and PyTorch's defaults differ."""


class Measured(NamedTuple):
    """One row of :func:`measure`: a detail, the three choices, and the largest weight
    difference between the book's run and the changed one after each step."""

    detail: str
    keras: str
    pytorch: str
    book: str
    differences: np.ndarray


def measure(
    weights: TaggerWeights, data: TrainingInputs, defaults: tuple[Default, ...] = DEFAULTS
) -> list[Measured]:
    """Train the book's recipe and each changed one on ``data``; one row per detail."""
    recipe = book_recipe(weights)
    rows = []
    for default in defaults:
        book, changed = default.runs(recipe, data)
        rows.append(Measured(*default[:4], largest_difference(book, changed)))
    return rows
