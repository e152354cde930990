"""What the bot says: Block Kit builders (small functions returning dicts) and Jinja documents."""
