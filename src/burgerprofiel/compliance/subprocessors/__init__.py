"""Sub-processors (charter 6, Bijlage 2) and transfers outside the EEA (charter 10)."""
