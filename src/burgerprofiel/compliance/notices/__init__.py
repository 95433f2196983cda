"""Notices from the processor to an agency (charter 3.4, 8, 2.3, 6.2, 14.3): one mechanism for all."""
