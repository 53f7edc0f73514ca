"""The store: the database is the source of truth (models, engine, records, queries)."""
