"""Configs, grid/random search, Optuna studies shared by processes, and population training."""

import json
import os
import subprocess
import sys

import optuna
import pytest
import torch
from torch import nn

from dlcourse import cli
from dlcourse.config import TrainConfig, load_run, parse_config, save_run
from dlcourse.data import Split
from dlcourse.population import Population, train_population
from dlcourse.search import (
    HeartbeatJournalStorage,
    database_url,
    grid,
    log_uniform,
    make_pruner,
    open_storage,
    random_configs,
    run_study,
    search_data,
    train_and_score,
)
from dlcourse.train import fit

TINY = TrainConfig(train_size=600, val_size=500, epochs=2, hidden=32)


def test_flags_parse_into_a_config_and_bad_values_are_explained():
    config = parse_config(["--lr", "0.05", "--hidden", "256", "--optimizer", "adam", "--train-size", "0"])
    assert config == TrainConfig(lr=0.05, hidden=256, optimizer="adam", train_size=0)
    with pytest.raises(ValueError, match=r"lr must be positive, got -1; momentum must be in \[0, 1\), got 1.5"):
        TrainConfig(lr=-1, momentum=1.5)
    with pytest.raises(ValueError, match=r"no field\(s\) \['learning_rate'\]"):
        TrainConfig().replace(learning_rate=0.1)
    with pytest.raises(SystemExit):
        parse_config(["--optimizer", "adm"])  # argparse lists the choices and exits


def test_runs_are_saved_with_their_config_and_never_overwritten(tmp_path):
    path = save_run(TrainConfig(lr=0.3), {"val_acc": 0.5}, tmp_path / "run1")
    assert load_run(path.parent) == (TrainConfig(lr=0.3), {"val_acc": 0.5})
    with pytest.raises(FileExistsError, match="choose a new folder"):
        save_run(TrainConfig(), {"val_acc": 0.9}, tmp_path / "run1")
    assert load_run(path)[1] == {"val_acc": 0.5}


def test_grid_and_random_search_spaces():
    assert grid({"lr": [0.1, 1.0], "hidden": [16, 32, 64]})[:2] == [{"lr": 0.1, "hidden": 16}, {"lr": 0.1, "hidden": 32}]
    assert len(grid({"lr": [0.1, 1.0], "hidden": [16, 32, 64]})) == 6
    with pytest.raises(ValueError, match="non-empty list"):
        grid({"lr": []})
    generator = torch.Generator().manual_seed(0)
    draws = [log_uniform(1e-4, 1.0, generator) for _ in range(4000)]
    assert all(1e-4 <= d <= 1.0 for d in draws)
    below = sum(d < 1e-2 for d in draws) / len(draws)  # half the decades lie below 1e-2
    assert abs(below - 0.5) < 0.03, below
    configs = list(random_configs(50, seed=1))
    assert configs == list(random_configs(50, seed=1)) and configs != list(random_configs(50, seed=2))
    assert all(16 <= c["hidden"] <= 512 and 0 <= c["momentum"] <= 0.95 for c in configs)


def test_storages_and_pruners_by_name(tmp_path):
    assert isinstance(open_storage(f"journal:{tmp_path / 's.log'}"), optuna.storages.JournalStorage)
    assert isinstance(open_storage(f"journal:{tmp_path / 's.log'}", heartbeat=5), HeartbeatJournalStorage)
    assert isinstance(open_storage(f"sqlite:///{tmp_path / 's.db'}", heartbeat=5), optuna.storages.RDBStorage)
    assert database_url("postgresql://u:p@host/db") == "postgresql+psycopg://u:p@host/db"  # psycopg 3
    assert database_url("postgresql+psycopg://u:p@host:5432/db") == "postgresql+psycopg://u:p@host:5432/db"
    with pytest.raises(ValueError, match="unknown storage 'redis://x'"):
        open_storage("redis://x")
    assert isinstance(make_pruner("hyperband"), optuna.pruners.HyperbandPruner)
    with pytest.raises(ValueError, match="unknown pruner 'hyper'"):
        make_pruner("hyper")


def test_train_and_score_is_reproducible_and_survives_divergence():
    splits = search_data(TINY)
    assert len(splits[0]) == 600 and len(splits[1]) == 500
    first, second = train_and_score(TINY, splits), train_and_score(TINY, splits)
    assert first["val_acc"] == second["val_acc"] > 0.5
    diverged = train_and_score(TINY.replace(lr=1e6), splits)  # stops in the first epoch, returns a score
    assert diverged["epochs"] == 1 and diverged["val_loss"] is None and "learning rate 1e+06" in diverged["diverged"]
    assert 0 <= diverged["val_acc"] <= 1


def test_pruned_trials_stop_early(tmp_path):
    study = run_study(f"sqlite:///{tmp_path / 'p.db'}", "pruning", 12, TINY.replace(epochs=4), pruner="halving",
                      sampler_seed=0, splits=search_data(TINY))
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) >= 3, states
    assert all(len(t.intermediate_values) < 4 for t in study.trials if t.state == optuna.trial.TrialState.PRUNED)


def test_two_worker_processes_share_one_journal_study(tmp_path):
    storage = f"journal:{tmp_path / 'study.log'}"
    command = [sys.executable, "-m", "dlcourse", "search", "--storage", storage, "--study", "shared",
               "--trials", "4", "--train-size", "300", "--val-size", "300", "--epochs", "1"]
    env = {**os.environ, "DLCOURSE_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    study = optuna.load_study(study_name="shared", storage=open_storage(storage))
    assert len(study.trials) == 8  # 2 workers x 4 trials: none lost, none counted twice
    assert sorted(t.number for t in study.trials) == list(range(8))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    by_worker = {}
    for t in study.trials:
        by_worker[t.user_attrs["worker"]] = by_worker.get(t.user_attrs["worker"], 0) + 1
    assert sorted(by_worker.values()) == [4, 4], by_worker  # each process ran its own 4 trials


def test_cli_train_prints_and_saves_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "--train-size", "300", "--val-size", "300", "--epochs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert json.loads((out / "run.json").read_text())["config"]["train_size"] == 300
    assert '"val_acc"' in printed
    assert cli.main(["train", "--epochs", "1", "--out", str(out)]) == 2
    assert cli.main(["train", "--lr", "0"]) == 2
    assert "lr must be positive" in capsys.readouterr().err


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def test_population_training_equals_training_the_models_one_by_one():
    generator = torch.Generator().manual_seed(0)
    train = Split(torch.randn(200, 1, 4, 5, dtype=torch.float64, generator=generator),
                  torch.randint(0, 3, (200,), generator=generator))
    torch.manual_seed(0)
    models = [_mlp() for _ in range(4)]
    lrs, momenta = [0.01, 0.1, 0.3, 0.05], [0.0, 0.9, 0.5, 0.0]
    population = Population(models)
    losses = train_population(population, train, lrs, momenta, epochs=3, batch_size=32,
                              generator=torch.Generator().manual_seed(1))
    assert losses.shape == (3, 4)
    for i, model in enumerate(models):
        history = fit(model, torch.optim.SGD(model.parameters(), lr=lrs[i], momentum=momenta[i]), train, epochs=3,
                      batch_size=32, generator=torch.Generator().manual_seed(1), progress=False, verbose=False)
        for name, p in model.named_parameters():
            assert torch.allclose(population.params[name][i], p, atol=1e-10, rtol=0), (i, name)
        assert torch.allclose(losses[:, i], torch.tensor(history["train_loss"], dtype=torch.float64), atol=1e-10)
    unstacked = population.unstack(_mlp())
    assert torch.allclose(unstacked[2](train.x[:5]), models[2](train.x[:5]), atol=1e-10, rtol=0)
    assert population.accuracies(train).shape == (4,)


def test_population_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="same architecture"):
        Population([_mlp(), nn.Sequential(nn.Flatten(), nn.Linear(20, 3)).double()])
    with pytest.raises(ValueError, match=r"\['BatchNorm1d', 'Dropout'\]"):
        Population([nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))])
    Population([nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.0))])  # p = 0 is the identity: allowed
    with pytest.raises(ValueError, match="one learning rate and one momentum per model"):
        train_population(Population([_mlp(), _mlp()]), Split(torch.zeros(4, 20).double(), torch.zeros(4).long()),
                         lrs=[0.1])
