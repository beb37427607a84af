"""``Study.trials_dataframe``: trials as a pandas DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpo.trial._state import TrialState

if TYPE_CHECKING:
    import pandas as pd

    from hpo.study import Study
    from hpo.trial import FrozenTrial


def _import_pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError(
            "Study.trials_dataframe needs pandas. Install it with: pip install 'hpo[pandas]'"
        ) from e
    return pd


def _cells(
    trial: FrozenTrial, attr: str, column: str, n_objectives: int, names: list[str] | None
) -> list[tuple[tuple[str, Any], Any]]:
    """The (column key, value) pairs that ``attr`` of ``trial`` contributes to its row."""
    value = getattr(trial, attr)
    if isinstance(value, TrialState):
        return [((column, ""), value.name)]
    if isinstance(value, dict):
        return [((column, k), v) for k, v in value.items()]
    if attr == "values":
        values = [None] * n_objectives if value is None else value
        keys = range(len(values)) if names is None else names
        return [((column, k), v) for k, v in zip(keys, values)]
    if isinstance(value, list):
        return [((column, i), v) for i, v in enumerate(value)]
    if attr == "value":
        return [((column, "" if names is None else names[0]), value)]
    return [((column, ""), value)]


def trials_dataframe(study: Study, attrs: tuple[str, ...], multi_index: bool) -> pd.DataFrame:
    pd = _import_pandas()
    trials = study.get_trials(deepcopy=False)
    if not trials:
        return pd.DataFrame()
    if study._is_multi_objective():
        attrs = tuple("values" if a == "value" else a for a in attrs)
    names = study.metric_names
    n_objectives = len(study.directions)

    rows: list[dict[tuple[str, Any], Any]] = []
    seen: dict[str, set[tuple[str, Any]]] = {a: set() for a in attrs}
    for trial in trials:
        row: dict[tuple[str, Any], Any] = {}
        for attr in attrs:
            column = attr[1:] if attr.startswith("_") else attr
            for key, value in _cells(trial, attr, column, n_objectives, names):
                row[key] = value
                seen[attr].add(key)
        rows.append(row)

    # Columns follow ``attrs``; nested keys are sorted, except metric names keep their order.
    columns: list[tuple[str, Any]] = []
    for attr in attrs:
        if not seen[attr]:
            continue
        if attr == "values" and names is not None:
            columns.extend(("values", n) for n in names)
        else:
            columns.extend(sorted(seen[attr], key=lambda k: (str(type(k[1])), k[1])))

    df = pd.DataFrame(rows, columns=pd.MultiIndex.from_tuples(columns))
    if not multi_index:
        df.columns = ["_".join(str(p) for p in c if p != "") for c in columns]
    return df
