"""The built-in tools: plugin modules like any other (each implements ``aistack_tools``),
declared in the ``aistack.tools`` entry-point group of this package and run in-process."""

# Every built-in module, so that they are present even where the package's entry points are
# not installed (a source tree run without `pip install`).
MODULES = (
    "services.tool_registry.builtins.units",
    "services.tool_registry.builtins.fluids",
    "services.tool_registry.builtins.gases",
    "services.tool_registry.builtins.mechanics",
    "services.tool_registry.builtins.beams",
    "services.tool_registry.builtins.thermal",
    "services.tool_registry.builtins.materials",
    "services.tool_registry.builtins.chemistry",
)
