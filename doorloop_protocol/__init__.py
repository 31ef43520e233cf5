"""Wire models shared by the desk's sync client and the central API. Qt-free, I/O-free."""
