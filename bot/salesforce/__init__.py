"""Salesforce sync: the book of business read from the CRM (through the CSV import's rules and
follow-ups) and the team's decisions written back. See sync.py."""
