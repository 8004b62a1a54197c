"""Keys, the workspace CA, the people who sign, and the signatures on records."""
