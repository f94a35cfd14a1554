from services.kit.serve import serve
from services.mcp.main import create_app
from services.mcp.settings import get_settings

if __name__ == "__main__":
    serve("mcp", create_app, get_settings)
