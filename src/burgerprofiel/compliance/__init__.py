"""The processor's duties towards the agencies (charter 2, 6-14), one nested Django app per duty."""
