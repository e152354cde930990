"""`python -m bot` is the `tabot` command."""

from .cli import main

main(prog_name="tabot")
