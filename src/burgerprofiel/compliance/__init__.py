"""The processor's duties (charter 2-14, GDPR 28): each as a nested Django app under this package."""
