"""``python -m icskg`` runs the command line."""

from icskg.cli import main

main()
