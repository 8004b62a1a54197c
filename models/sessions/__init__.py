"""Offline expert sessions (会评): packages out to laptops, results back, merged under the bureau rules."""
