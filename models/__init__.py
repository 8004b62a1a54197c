"""Reading intake files and what is built on them; no Qt here."""
