"""The dependency gate: declared dependencies against what the project really uses."""
