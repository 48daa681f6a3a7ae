"""The small core every layer uses: domain errors, settings and logging set-up."""
