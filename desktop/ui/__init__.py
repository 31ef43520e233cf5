"""Qt widgets and item models. No SQL, no rules, no HTTP here."""
