"""Talk to the assistant in a terminal over the widget channel (``python -m bot.terminal``).

``render`` turns the bot's messages into what the screen shows (pure, unit-tested),
``client`` speaks the widget channel's HTTP, ``repl`` is the conversation loop and
``servers`` starts the bot quietly for ``make shell``.
"""
