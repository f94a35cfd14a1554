"""Example drop-in plugin: the smallest possible tool (it needs only pluggy)."""

import pluggy

hookimpl = pluggy.HookimplMarker("aistack")


def reynolds_number(density: float, velocity: float, length: float, viscosity: float) -> float:
    """Reynolds number Re = ρ·v·L/μ (SI units)."""
    return density * velocity * length / viscosity


@hookimpl
def aistack_tools():
    return [reynolds_number]
