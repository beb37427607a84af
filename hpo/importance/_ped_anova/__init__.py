from hpo.importance._ped_anova._evaluator import PedAnovaImportanceEvaluator

__all__ = ["PedAnovaImportanceEvaluator"]
