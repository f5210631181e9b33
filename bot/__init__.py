"""The milia triage assistant: NLU components, triage logic, policies, channels and settings."""
