"""Data access: the queries handlers and jobs need, named for what they return."""
