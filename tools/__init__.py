"""Tools around the sandbox: the headless browser and the email previews."""
