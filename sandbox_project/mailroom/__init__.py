"""Local mail services: SMTP catcher, secure SMTP listener, message store, fault injection."""
