"""Retention for everything (DESIGN rule 7): one job per agency and component, and the platform's own data."""
