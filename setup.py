"""Package layout that pyproject.toml alone cannot say: ship migrations/ as ``hpo._migrations``."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["hpo", "hpo.*"]),
        "hpo._migrations",
        "hpo._migrations.versions",
    ],
    package_dir={"hpo._migrations": "migrations"},
)
