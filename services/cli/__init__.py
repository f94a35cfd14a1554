"""``aistack``: the local stack (each service its own process on loopback) and admin commands."""
