"""tabot: a Slack bot for a customer-success team\x27s playbooks."""
