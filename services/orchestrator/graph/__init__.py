"""The orchestration graph: state, nodes and the builder that wires them."""
