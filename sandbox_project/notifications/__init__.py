"""Every email of the sandbox goes through this app's EmailService."""
