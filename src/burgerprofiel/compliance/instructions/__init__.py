"""Instructions, suspensions and disclosures (charter 2.3, 3, 10): what an agency instructs, what the
processor must tell it about that, about stopping its processing, and about processing the law imposes."""
