from hpo.importance._fanova._evaluator import FanovaImportanceEvaluator

__all__ = ["FanovaImportanceEvaluator"]
