from __future__ import annotations

import logging

import pytest

import hpo


@pytest.fixture(autouse=True)
def _restore_propagation():
    yield
    hpo.logging.disable_propagation()
    hpo.logging.enable_default_handler()


def test_verbosity_round_trip() -> None:
    hpo.logging.set_verbosity(hpo.logging.DEBUG)
    assert hpo.logging.get_verbosity() == hpo.logging.DEBUG == logging.DEBUG
    hpo.logging.set_verbosity(hpo.logging.ERROR)
    assert hpo.logging.get_verbosity() == logging.ERROR


def test_level_constants_match_stdlib() -> None:
    for name in ("CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "INFO", "DEBUG"):
        assert getattr(hpo.logging, name) == getattr(logging, name)


def test_get_logger_is_under_hpo_root() -> None:
    logger = hpo.logging.get_logger("hpo.something")
    assert logger.name == "hpo.something"
    assert logger.parent is logging.getLogger("hpo")


def test_default_handler_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    # The handler binds sys.stderr at creation; swap in a fresh one for capsys.
    hpo.logging.set_verbosity(hpo.logging.INFO)
    root = logging.getLogger("hpo")
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        hpo.create_study().optimize(lambda t: 1.0, n_trials=1)
    finally:
        root.removeHandler(handler)
    assert "Trial 0 finished with value: 1.0" in capsys.readouterr().err


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("hpo"):
            self.messages.append(record.getMessage())


@pytest.fixture
def root_handler():
    handler = _Collect()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_verbosity_warning_hides_info(root_handler: _Collect) -> None:
    hpo.logging.enable_propagation()
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    hpo.create_study().optimize(lambda t: 1.0, n_trials=1)
    assert root_handler.messages == []


def test_propagation_to_root_logger(root_handler: _Collect) -> None:
    hpo.logging.set_verbosity(hpo.logging.INFO)
    hpo.logging.enable_propagation()
    hpo.create_study().optimize(lambda t: 2.0, n_trials=1)
    assert any("Trial 0 finished with value: 2.0" in m for m in root_handler.messages)
    root_handler.messages.clear()
    hpo.logging.disable_propagation()
    hpo.create_study().optimize(lambda t: 2.0, n_trials=1)
    assert root_handler.messages == []


def test_disable_default_handler() -> None:
    root = logging.getLogger("hpo")
    hpo.logging.get_logger("hpo")
    before = len(root.handlers)
    hpo.logging.disable_default_handler()
    assert len(root.handlers) == before - 1
    hpo.logging.enable_default_handler()
    assert len(root.handlers) == before
