"""`tradewh` command groups: a module each with `add_commands(subparsers, common)`, registered by tradewh/cli.py."""
