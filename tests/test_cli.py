from dlcourse.cli import main
from tests.conftest import write_tiny


def test_data_command_reports_where_the_files_are(capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "Fashion-MNIST: searching, in order:" in out
    assert "60000 training and 10000 test images, all checked." in out


def test_data_command_without_files_fails_with_the_fix(isolated, capsys, monkeypatch):
    write_tiny(isolated / "x")  # the wrong dataset size for MNIST: found nowhere usable
    assert main(["data", "--name", "mnist"]) == 1
    err = capsys.readouterr().err
    assert "MNIST was not found, and downloading was switched off" in err
    assert "dlcourse data --fetch --name mnist" in err
