"""Audits, records and measures (charter 4, 5, 9, 11; GDPR 28(3)(b), 30(2), 32): per-agency compliance
reports, records of processing, the technical and organisational measures as configured, the staff
confidentiality statement and the independent audits with the platform's own report to each agency."""
