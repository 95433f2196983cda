"""Data-subject rights through the controller (charter 7, GDPR 15-18, 20): an agency exports,
restricts or erases what the platform holds for it on one citizen."""
