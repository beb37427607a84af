"""The relational-database storage (SQLAlchemy Core); the public name is ``hpo.storages.RDBStorage``."""
