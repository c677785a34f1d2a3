"""dlcourse.model_graph: torchview's graph rendered by Graphviz, or a clear message where Graphviz is missing."""

from __future__ import annotations

import shutil

import pytest
from torch import nn

from dlcourse import model_graph

MODEL = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (.ci/run installs it)")
def test_the_graph_is_a_png_image_and_the_model_keeps_its_weights():
    weight = MODEL[1].weight.detach().clone()
    image = model_graph.show_model_graph(MODEL, (1, 1, 28, 28))
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert MODEL[1].weight.device.type == "cpu" and (MODEL[1].weight == weight).all()


def test_without_graphviz_it_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(model_graph.shutil, "which", lambda name: None)
    assert model_graph.show_model_graph(MODEL, (1, 1, 28, 28)) is None
    assert "sudo apt install graphviz" in capsys.readouterr().out
