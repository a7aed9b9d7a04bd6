"""Small shared types and helpers that every capability package may depend on."""
