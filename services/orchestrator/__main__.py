from services.kit.serve import serve
from services.orchestrator.settings import get_settings

if __name__ == "__main__":
    serve("orchestrator", "services.orchestrator.main:create_app", get_settings)
