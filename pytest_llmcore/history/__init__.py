"""Performance history: each run's samples in SQLite or PostgreSQL, trends and change points."""
