"""One cog per feature: asking, sources, admin."""
