"""dlcourse.receptive_field: the layer-by-layer rule agrees with gradients measured through real models."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.models import small_cnn
from dlcourse.receptive_field import extent, growth, layers_of, measure


def test_growth_follows_the_rule_for_known_stacks():
    assert growth([(3, 1, 1), (3, 1, 1)]) == [(3, 1), (5, 1)]  # two 3x3 layers see a 5x5 patch
    assert growth([(3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]) == [(3, 1), (4, 2), (8, 2), (10, 4)]
    assert growth([(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)]) == [(5, 1), (6, 2), (14, 2), (16, 4)]  # LeNet
    assert growth([]) == []


def test_growth_refuses_a_layer_that_is_not_one():
    with pytest.raises(ValueError, match="kernel >= 1"):
        growth([(0, 1, 0)])


def test_layers_of_reads_the_convolutions_and_poolings_of_small_cnn():
    assert layers_of(small_cnn()) == [(3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]
    assert layers_of(nn.Sequential(nn.Conv2d(1, 2, (5, 5), stride=(2, 2)), nn.AvgPool2d(3))) == [(5, 2, 0), (3, 3, 0)]


def test_layers_of_refuses_rectangular_kernels():
    with pytest.raises(ValueError, match="square"):
        layers_of(nn.Conv2d(1, 1, (3, 5)))


@pytest.mark.parametrize("model", [
    nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.AvgPool2d(2), nn.Conv2d(4, 4, 3, padding=1)),
    nn.Sequential(nn.Conv2d(1, 4, 5), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3), nn.MaxPool2d(2)),
], ids=["avg", "max"])
def test_measured_field_matches_the_rule_at_an_inner_unit(model: nn.Module):
    torch.manual_seed(0)
    size, _ = growth(layers_of(model))[-1]
    saliency = measure(model, (1, 24, 24), channel=0, row=2, col=2, samples=256,
                       generator=torch.Generator().manual_seed(0))
    assert saliency.shape == (24, 24)
    assert extent(saliency) == (size, size)


def test_measure_restores_training_mode_and_leaves_no_gradients_on_the_model():
    model = small_cnn(channels=(2, 3), hidden=4).features[:2]
    model.train()
    measure(model, (1, 28, 28), channel=1, row=3, col=3, samples=4)
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_extent_of_a_map_with_a_block_and_of_an_empty_map():
    saliency = torch.zeros(6, 7)
    saliency[1:4, 2:7] = 1.0
    assert extent(saliency) == (3, 5)
    assert extent(torch.zeros(3, 3)) == (0, 0)
