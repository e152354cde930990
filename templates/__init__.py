"""The Jinja templates of the documents (bot.documents loads them from here)."""
