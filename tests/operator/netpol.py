"""A small NetworkPolicy evaluator over rendered manifests, for same-namespace pod traffic.

A connection from pod A to pod B on a port is allowed when every policy kind that applies
allows it: if any policy selects A for Egress, one of them must allow B:port; if any policy
selects B for Ingress, one of them must allow A:port. Policies add up (a union), which is how
the operator's chart opens its edges without touching the other components' policies.
Peers given only by namespaceSelector or ipBlock never match a pod of the namespace here.
"""

from __future__ import annotations

from typing import Any


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, op, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _peer_matches(peer: dict[str, Any], labels: dict[str, str]) -> bool:
    if "namespaceSelector" in peer or "ipBlock" in peer:
        return False
    return selects(peer.get("podSelector", {}), labels)


def _port_matches(rule: dict[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") in (port, None) for p in ports)


def _allows(rules: list[dict[str, Any]], key: str, peer: dict[str, str], port: int) -> bool:
    for rule in rules:
        peers = rule.get(key)
        if (peers is None or any(_peer_matches(p, peer) for p in peers)) and _port_matches(
            rule, port
        ):
            return True
    return False


def allowed(
    policies: list[dict[str, Any]], src: dict[str, str], dst: dict[str, str], port: int
) -> bool:
    egress = [
        p["spec"]
        for p in policies
        if "Egress" in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], src)
    ]
    ingress = [
        p["spec"]
        for p in policies
        if "Ingress" in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], dst)
    ]
    out = not egress or any(_allows(p.get("egress") or [], "to", dst, port) for p in egress)
    into = not ingress or any(_allows(p.get("ingress") or [], "from", src, port) for p in ingress)
    return out and into
