"""The processor's duties under the charter (GDPR art. 28), one nested Django app each."""
