"""`itabot`: the command line. `main.py` builds the group and gathers the command groups, one module each."""
