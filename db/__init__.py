"""The Alembic migrations (bot.db points Alembic here); not imported as code."""
