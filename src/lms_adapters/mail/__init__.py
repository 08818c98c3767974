"""Mail adapters: Jinja2 e-mail templates, SMTP delivery and a file mailer for development."""
