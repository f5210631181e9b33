"""Custom Rasa NLU components of the milia assistant (registered with the default recipe)."""
