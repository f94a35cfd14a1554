from services.gateway.main import create_app
from services.gateway.settings import get_settings
from services.kit.serve import serve

if __name__ == "__main__":
    serve("gateway", create_app, get_settings)
