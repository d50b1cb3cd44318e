"""`python -m cli` runs the `ml-intern` command."""

from cli import main

main()
