"""Shared machinery of the overhead benchmarks: run one case on hpo or Optuna, measure it.

A :class:`Case` describes a study (storage, sampler, objective, number of trials). ``run_case``
runs it with a given library module (``hpo`` or ``optuna``) and returns timings. Each run happens
in a fresh subprocess (see ``overhead.py``) so imports, caches and peak memory do not leak
between cases.
"""

from __future__ import annotations

import importlib
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


def quadratic(trial: Any) -> float:
    """The default objective: one float and one int parameter, almost free to evaluate."""
    x = trial.suggest_float("x", -10.0, 10.0)
    y = trial.suggest_int("y", -10, 10)
    return (x - 2.0) ** 2 + (y + 3) ** 2


@dataclass
class Case:
    """One benchmark row.

    ``make_storage`` and ``make_sampler`` receive the library module (``hpo`` or ``optuna``) so
    the same case builds the equivalent objects in both libraries.
    """

    name: str
    n_trials: int
    make_storage: Callable[[ModuleType], Any] | None = None
    make_sampler: Callable[[ModuleType], Any] | None = None
    objective: Callable[[Any], float | Sequence[float]] | None = None
    directions: list[str] | None = None
    cleanup: Callable[[], None] | None = None
    libraries: tuple[str, ...] = ("hpo", "optuna")
    extra: dict[str, Any] = field(default_factory=dict)


def run_case(case: Case, library: str) -> dict[str, Any]:
    """Run ``case`` with ``library`` in this process; return timings and peak memory."""
    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    storage = case.make_storage(lib) if case.make_storage else None
    sampler = case.make_sampler(lib) if case.make_sampler else lib.samplers.RandomSampler(seed=0)
    objective = case.objective or quadratic
    study = lib.create_study(
        storage=storage,
        sampler=sampler,
        pruner=lib.pruners.NopPruner(),
        directions=case.directions or ["minimize"],
        study_name=f"bench-{library}-{time.time_ns()}",
    )
    stamps: list[float] = []

    def record(_study: Any, _trial: Any) -> None:
        stamps.append(time.perf_counter())

    start = time.perf_counter()
    study.optimize(objective, n_trials=case.n_trials, callbacks=[record])
    total = time.perf_counter() - start
    if case.cleanup is not None:
        case.cleanup()
    durations = [b - a for a, b in zip([start, *stamps[:-1]], stamps)]
    tenth = max(1, len(durations) // 10)
    first = statistics.mean(durations[:tenth]) * 1e3
    last = statistics.mean(durations[-tenth:]) * 1e3
    return {
        "ms_per_trial": total / case.n_trials * 1e3,
        "first10_ms": first,
        "last10_ms": last,
        "growth": last / first if first > 0 else float("nan"),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def library_available(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with right-aligned numbers."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
        return str(v)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
        )
    return "\n".join(lines)


def ratio(a: float | None, b: float | None) -> float | str:
    if a is None or b is None or b == 0:
        return "-"
    return a / b


def module_from_name(name: str) -> ModuleType:
    return importlib.import_module(name)
