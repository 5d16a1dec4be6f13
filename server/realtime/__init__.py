"""Realtime: the bus that carries room events between nodes (the /ws endpoint comes later)."""
