"""Training mode: scenarios and scoring for triage exercises."""
