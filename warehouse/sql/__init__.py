"""`tradewh sql`: the analysts' SQL shell on a published copy (shell.py), its table printing (formatting.py), its
backslash commands (meta_commands.py) and its line editing, history and completion (completion.py)."""
