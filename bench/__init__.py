"""Benchmarks of tabot against Slack's limits (`python -m bench`): acknowledgement latency under
load beside a bare Bolt app, modal submissions, job cost as the book grows, and posting under
Slack's per-channel rate limit. Not part of the test run; `tests/test_bench.py` runs this code
on tiny inputs."""
