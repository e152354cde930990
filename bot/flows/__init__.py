"""Flows: the steps with side effects (database writes, then Slack), shared by handlers and jobs."""
