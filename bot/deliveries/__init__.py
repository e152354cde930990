"""Durable Slack delivery: what the bot owes Slack is recorded with the change that owes it
(`record`), then delivered exactly once by a worker (`worker`); `store` holds the queries."""
