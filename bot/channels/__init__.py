"""Custom Rasa input channels (the web widget's channel lives in ``widget.py``)."""
