"""A citizen's requests as data subject, filed in the portal and forwarded to the agencies (charter 7;
GDPR 12(3), 15-18, 20), and the citizen's export of everything the platform holds on them."""
