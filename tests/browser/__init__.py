"""Browser tests of the web widget (Playwright + Debian Chromium) and its HTTP channel."""
