"""SQLAlchemy persistence: one schema for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""
