"""Custom actions (run with `rasa run actions`): thin adapters over `bot/`."""
