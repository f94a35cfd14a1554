"""``aistack``: the local stack (every service as its own process on loopback) and admin commands."""
