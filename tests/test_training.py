"""companion.trained.training: the one PyTorch training loop (step order, clipping, carried
state, hooks, the losses it reports) and the single-threaded context."""

from __future__ import annotations

import pytest
import torch

from companion.trained import History
from companion.trained.training import fit, one_thread


def scalar_module(value: float = 0.0) -> torch.nn.Module:
    """A module with one parameter ``w`` (a scalar), in training mode."""
    module = torch.nn.Module()
    module.w = torch.nn.Parameter(torch.tensor(value, dtype=torch.float64))
    return module


def sgd(module: torch.nn.Module, lr: float = 1.0) -> torch.optim.SGD:
    return torch.optim.SGD(module.parameters(), lr=lr)


def test_each_batch_takes_one_step_on_its_own_gradient():
    # loss = slope * w has gradient slope: plain SGD moves w by -lr * slope per batch, which
    # only holds if the gradients are zeroed between steps.
    module = scalar_module()
    slopes = [1.0, 2.0, 4.0]
    history = fit(module, lambda: slopes, lambda slope: slope * module.w, sgd(module, 0.5),
                  epochs=2)  # fmt: skip
    assert module.w.item() == -0.5 * 2 * sum(slopes)
    # The losses as each batch saw them: epoch 1 from w = 0, -0.5, -1.5; epoch 2 from -3.5.
    assert history == History([(0 - 1 - 6) / 3, (-3.5 - 8 - 20) / 3], [])


def test_history_has_one_loss_per_epoch_and_batches_are_drawn_every_epoch():
    module = scalar_module()
    calls = []

    def batches():
        calls.append(len(calls))
        return [1.0, 1.0]

    validations = iter([3.0, 2.0, 1.0])
    history = fit(module, batches, lambda slope: slope * module.w, sgd(module, 0.0), epochs=3,
                  validation=lambda: next(validations))  # fmt: skip
    assert calls == [0, 1, 2]
    assert history.loss == [0.0, 0.0, 0.0]
    assert history.validation_loss == [3.0, 2.0, 1.0]
    assert fit(module, batches, lambda s: s * module.w, sgd(module), epochs=0) == History([], [])


def test_the_epoch_loss_is_weighted_by_samples():
    module = scalar_module(1.0)
    batches = [(2.0, 1), (5.0, 3)]  # (loss per sample, samples)
    loss = lambda batch: batch[0] * module.w  # noqa: E731
    weighted = fit(module, lambda: batches, loss, sgd(module, 0.0), epochs=1,
                   samples=lambda batch: batch[1])  # fmt: skip
    assert weighted.loss == [(2.0 * 1 + 5.0 * 3) / 4]
    assert fit(module, lambda: batches, loss, sgd(module, 0.0), epochs=1).loss == [3.5]


@pytest.mark.parametrize(
    "clip_norm, step", [(1.0, [-0.6, -0.8]), (None, [-3.0, -4.0]), (10.0, [-3.0, -4.0])]
)
def test_clipping_scales_the_gradient_to_the_global_norm(clip_norm, step):
    # Gradient (3, 4), norm 5: clipped to norm 1 the SGD step is -(0.6, 0.8).
    module = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        module.weight.zero_()
    x = torch.tensor([[3.0, 4.0]])
    fit(module, lambda: [x], lambda x: module(x).sum(), sgd(module), epochs=1,
        clip_norm=clip_norm)  # fmt: skip
    assert torch.allclose(module.weight[0], torch.tensor(step))


def test_clipping_covers_only_what_the_optimiser_updates():
    # A frozen parameter with a huge value takes no part in the norm.
    module = scalar_module()
    module.frozen = torch.nn.Parameter(torch.tensor(100.0, dtype=torch.float64))
    optimizer = torch.optim.SGD([module.w], lr=1.0)
    fit(module, lambda: [None], lambda _: 3 * module.w + module.frozen**2, optimizer, epochs=1,
        clip_norm=1.0)  # fmt: skip
    assert module.w.item() == pytest.approx(-1.0, abs=1e-5)  # clip_grad_norm_ adds 1e-6
    assert module.frozen.item() == 100.0


def test_the_carried_state_starts_empty_each_epoch_and_passes_through_carry():
    module = scalar_module(1.0)
    seen, carried = [], []

    def loss(batch, state):
        seen.append(None if state is None else (state.item(), state.requires_grad))
        return batch * module.w, batch * module.w  # the state depends on the weights

    def carry(state):
        carried.append(state.requires_grad)
        return state.detach()

    fit(module, lambda: [1.0, 2.0, 3.0], loss, sgd(module, 0.0), epochs=2, carry=carry)
    assert carried == [True] * 6  # once per batch, on the state the loss returned
    assert seen == [None, (1.0, False), (2.0, False)] * 2


def test_after_step_runs_after_every_optimiser_step():
    module = scalar_module()
    after = []
    fit(module, lambda: [1.0, 1.0, 1.0], lambda slope: slope * module.w, sgd(module), epochs=1,
        after_step=lambda: after.append(module.w.item()))  # fmt: skip
    assert after == [-1.0, -2.0, -3.0]


def test_every_epoch_trains_in_training_mode():
    module = scalar_module()
    modes = []

    def loss(slope):
        modes.append(module.training)
        return slope * module.w

    def validation():  # switches to eval mode, as torch_articles.predict does
        module.eval()
        return 0.0

    history = fit(module, lambda: [1.0], loss, sgd(module), epochs=3, validation=validation)
    assert modes == [True, True, True] and len(history.validation_loss) == 3


def test_bad_arguments_are_refused():
    module = scalar_module()
    loss = lambda slope: slope * module.w  # noqa: E731
    with pytest.raises(ValueError, match="epochs must be a non-negative integer; got -1"):
        fit(module, lambda: [1.0], loss, sgd(module), epochs=-1)
    with pytest.raises(ValueError, match="clip_norm must be positive or None; got 0"):
        fit(module, lambda: [1.0], loss, sgd(module), epochs=1, clip_norm=0)
    with pytest.raises(ValueError, match="every epoch needs at least one batch"):
        fit(module, lambda: [], loss, sgd(module), epochs=1)


def test_one_thread_restores_the_thread_count():
    threads = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="inside"):
        with one_thread():
            assert torch.get_num_threads() == 1
            raise RuntimeError("inside")
    assert torch.get_num_threads() == threads
