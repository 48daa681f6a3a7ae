"""Newsdesk: questions about news articles, answered with verbatim, attributed quotes."""
