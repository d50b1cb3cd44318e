"""Where threads live: the checkpoint saver, its codec and maintenance, SQLite access, the thread index and per-thread lock."""
