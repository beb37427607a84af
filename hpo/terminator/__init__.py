"""Automatic termination: stop a study when further trials will not improve it meaningfully.

Optuna 5.0's ``optuna.terminator`` API (deprecated there since 4.9.0, and here likewise). A
:class:`Terminator` compares the room left for improvement, estimated by an improvement
evaluator, with the statistical error of the objective, estimated by an error evaluator:

* :class:`RegretBoundEvaluator` (default): a Gaussian-process bound on the regret of the best
  trial; :class:`EMMREvaluator`: the change of the expected minimum model regret;
  :class:`BestValueStagnationEvaluator`: trials left before the best value counts as stagnant.
* :class:`CrossValidationErrorEvaluator` (default): the spread of the best trial's
  cross-validation scores, reported with :func:`report_cross_validation_scores`;
  :class:`StaticErrorEvaluator`: a constant; :class:`MedianErrorEvaluator`: a fraction of the
  paired improvement evaluator's early values.

Use :class:`TerminatorCallback` with :meth:`hpo.study.Study.optimize`, or call
:meth:`Terminator.should_terminate` in an ask-and-tell loop. scipy is imported only when a
Gaussian process is fitted.
"""

from hpo.terminator.callback import TerminatorCallback
from hpo.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from hpo.terminator.improvement.emmr import EMMREvaluator
from hpo.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from hpo.terminator.median_erroreval import MedianErrorEvaluator
from hpo.terminator.terminator import BaseTerminator, Terminator

__all__ = [
    "TerminatorCallback",
    "BaseErrorEvaluator",
    "CrossValidationErrorEvaluator",
    "report_cross_validation_scores",
    "StaticErrorEvaluator",
    "MedianErrorEvaluator",
    "BaseImprovementEvaluator",
    "BestValueStagnationEvaluator",
    "RegretBoundEvaluator",
    "EMMREvaluator",
    "BaseTerminator",
    "Terminator",
]
