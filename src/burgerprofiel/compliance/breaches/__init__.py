"""Personal data breaches (charter 8, GDPR 33(2)-(5)): register, compute who is affected, notify each
agency with every element of charter 8.2, track the deadline, the acknowledgements and the updates."""
