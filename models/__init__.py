"""The core below the GUI: intake, the workspace and its log, the review, signing, sessions and exports; no Qt here."""
