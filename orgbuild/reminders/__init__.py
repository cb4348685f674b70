"""Reminders: each officer's daily digest (organisations overdue for a follow-up, organisations
assigned in the last day), printed or e-mailed through SMTP_URL (Flask-Mail)."""
