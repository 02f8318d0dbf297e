"""The mailroom's HTTP side: MailHog-compatible API, web UI and SendGrid v3 mock."""
