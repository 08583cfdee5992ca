"""Tables (CSV, JSON, workbooks, SQLite databases) and the page layout of their rows."""
