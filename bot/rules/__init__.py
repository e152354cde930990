"""Handbook rules as plain functions: no Slack, no database session."""
