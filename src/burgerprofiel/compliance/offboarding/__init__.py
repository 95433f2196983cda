"""The end of a processing order (charter 12): return the agency's data or delete it, legal holds."""
