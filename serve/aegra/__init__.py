"""The team server: ml-intern's graph, page and guards on Aegra (PostgreSQL and Redis)."""
