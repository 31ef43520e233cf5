"""Client of the central API: outbox push, pulls, backoff. No widgets here."""
