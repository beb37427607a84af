"""Improvement evaluators (also exported by :mod:`hpo.terminator`)."""
