"""Ingestion from the web: feeds and pages fetched safely, written into the corpus."""
