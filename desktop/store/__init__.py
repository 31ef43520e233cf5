"""The encrypted local store: SQLCipher + sqlite-utils, migrations, repositories, outbox, audit."""
