"""`python -m lms_cli` runs the `lms` command."""

from lms_cli.entry import main

main()
