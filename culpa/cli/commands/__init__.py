"""The ``culpa`` commands, one module per topic; culpa/cli/main.py registers each on the group."""
