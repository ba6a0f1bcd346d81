"""SGD, Adam and clipping: the NumPy updates against torch.optim and keras.optimizers."""

from __future__ import annotations

import numpy as np
import pytest

from companion import numpy_optimizers
from companion._numeric import max_difference
from companion.optimizers import SGD, Adam, Clipping

keras_optimizers = pytest.importorskip("companion.keras_optimizers")
torch_optimizers = pytest.importorskip("companion.torch_optimizers")

STEPS = 30


def problem(dtype: str = "float64", scale: float = 1.0):
    """Two parameters and a fixed sequence of gradients, some large enough to be clipped,
    some entries tiny (where Adam's epsilon matters)."""
    rng = np.random.default_rng(7)
    params = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    gradients = [
        [
            (scale * rng.standard_normal(p.shape) * 10.0 ** rng.integers(-6, 1, p.shape)).astype(
                dtype
            )
            for p in params
        ]
        for _ in range(STEPS)
    ]
    return params, gradients


OPTIMIZERS = {
    "sgd": SGD(0.1),
    "momentum": SGD(0.05, momentum=0.9),
    "adam-pytorch": Adam(0.01),
    "adam-keras": Adam(0.01, convention="keras"),
    "adam-pytorch-eps": Adam(0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
}
CLIPPINGS = {
    "none": None,
    "global": Clipping(1.0),
    "per-variable": Clipping(0.5, scope="per_variable"),
    "torch-global": Clipping(1.0, epsilon=1e-6),
}


@pytest.mark.parametrize("clipping", CLIPPINGS, ids=str)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_numpy_matches_torch_optim(name, clipping):
    params, gradients = problem()
    optimizer, clip = OPTIMIZERS[name], CLIPPINGS[clipping]
    ours = numpy_optimizers.apply(optimizer, params, gradients, clipping=clip)
    theirs = torch_optimizers.apply(optimizer, params, gradients, clipping=clip)
    assert max_difference(ours, params) > 1e-3  # the updates moved the parameters
    assert max_difference(ours, theirs) < 1e-12


@pytest.mark.keras
@pytest.mark.parametrize("clipping", ["none", "global", "per-variable"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_numpy_matches_keras_optimizers(name, clipping):
    params, gradients = problem()
    optimizer, clip = OPTIMIZERS[name], CLIPPINGS[clipping]
    ours = numpy_optimizers.apply(optimizer, params, gradients, clipping=clip)
    theirs = keras_optimizers.apply(optimizer, params, gradients, clipping=clip)
    assert max_difference(ours, theirs) < 1e-12


@pytest.mark.keras
def test_keras_default_adam_is_the_keras_convention():
    """keras.optimizers.Adam as a reader builds it computes Adam(convention="keras"), up to
    its settings' trip through float32 on TensorFlow (beta_1 = 0.9 becomes 0.8999999762)."""
    from companion._keras_tools import float64_kept, keras

    params, gradients = problem()
    with float64_kept():
        variables = [keras.Variable(p) for p in params]
        adam = keras.optimizers.Adam(0.5)  # exact in float32, the learning rate's dtype
        for grads in gradients:
            adam.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
        theirs = [keras.ops.convert_to_numpy(v.value) for v in variables]
    ours = numpy_optimizers.apply(Adam(0.5, convention="keras"), params, gradients)
    assert max_difference(ours, theirs) < 1e-3  # 3.4e-5 measured on TensorFlow


def test_the_two_adam_conventions_differ_where_gradients_are_small():
    params, gradients = problem(scale=1e-4)
    one_step = gradients[:1]
    pytorch = numpy_optimizers.apply(Adam(0.01), params, one_step)
    keras = numpy_optimizers.apply(Adam(0.01, convention="keras"), params, one_step)
    # The first step of Adam is lr * sign(g) where |g| dwarfs epsilon; Keras's epsilon acts
    # as 1e-7 / sqrt(1 - 0.999) = 3.2e-6 there and shortens steps of gradients near it.
    assert max_difference(pytorch, keras) > 1e-3
    same_epsilon = numpy_optimizers.apply(
        Adam(0.01, epsilon=1e-7 / np.sqrt(1 - 0.999), convention="pytorch"), params, one_step
    )
    assert max_difference(same_epsilon, keras) < 1e-15


def test_torch_clip_grad_norm_adds_its_epsilon():
    params, gradients = problem()
    exact = numpy_optimizers.apply(SGD(1.0), params, gradients[:1], clipping=Clipping(1.0))
    torch_style = numpy_optimizers.apply(
        SGD(1.0), params, gradients[:1], clipping=Clipping(1.0, epsilon=1e-6)
    )
    difference = max_difference(exact, torch_style)
    assert 1e-9 < difference < 1e-6


@pytest.mark.keras
def test_pytorch_adam_in_keras_trains_a_model_with_fit():
    """PyTorchAdam is an ordinary Keras optimizer: compile and fit accept it."""
    from companion._keras_tools import keras
    from companion.keras_optimizers import PyTorchAdam

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=PyTorchAdam(0.01, global_clipnorm=1.0), loss="mse")
    x = np.ones((4, 3), "float32")
    history = model.fit(x, np.zeros((4, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert PyTorchAdam().epsilon == 1e-8


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Adam(convention="tensorflow"), "convention must be one of"),
        (lambda: Adam(-1.0), "learning_rate must be positive"),
        (lambda: SGD(0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda: Clipping(1.0, scope="layer"), "scope must be"),
        (lambda: keras_optimizers.build(Adam(), Clipping(1.0, epsilon=1e-6)), "epsilon must be 0"),
        (lambda: numpy_optimizers.init("adam", []), "optimizer must be"),
    ],
)
def test_bad_settings_get_clear_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.keras
def test_floatx_leaves_keras_default_dtype_as_it_found_it():
    """A layer built without a dtype inside ``floatx("float64")`` is float64, and one built
    after it float32 again: the block restores Keras's global dtype policy, which the first
    default layer of a process fixes (a float64 one leaked into every later test)."""
    from keras.src.backend.common import global_state

    from companion import keras_optimizers
    from companion._keras_tools import keras

    saved = global_state.get_global_attribute("dtype_policy")
    global_state.set_global_attribute("dtype_policy", None)  # as in a process just started
    try:
        with keras_optimizers.floatx("float64"):
            assert keras.layers.Dense(1).dtype == "float64"
        assert keras.layers.Dense(1).dtype == "float32"
    finally:
        global_state.set_global_attribute("dtype_policy", saved)
