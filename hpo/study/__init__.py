"""Studies: create, load, run and inspect optimization tasks."""

from hpo.study._api import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from hpo.study._callbacks import MaxTrialsCallback
from hpo.study._frozen import FrozenStudy
from hpo.study._study_direction import StudyDirection
from hpo.study._study_summary import StudySummary
from hpo.study.study import ObjectiveFuncType, Study

__all__ = [
    "FrozenStudy",
    "MaxTrialsCallback",
    "ObjectiveFuncType",
    "Study",
    "StudyDirection",
    "StudySummary",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]
