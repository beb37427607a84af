"""hpo's alembic environment; installed as the package ``hpo._migrations``."""
