from services.kit.serve import serve
from services.orchestrator.main import create_app
from services.orchestrator.settings import get_settings

if __name__ == "__main__":
    serve("orchestrator", create_app, get_settings)
