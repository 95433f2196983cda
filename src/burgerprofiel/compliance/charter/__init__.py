"""The processing charter itself: its versions in the platform, amendments and the agencies' right to
terminate within an amendment's notice window (charter 14.3)."""
