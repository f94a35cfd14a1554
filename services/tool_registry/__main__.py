from services.kit.serve import serve
from services.tool_registry.main import create_app
from services.tool_registry.settings import get_settings

if __name__ == "__main__":
    serve("tool-registry", create_app, get_settings)
