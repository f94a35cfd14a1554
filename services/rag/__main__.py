from services.kit.serve import serve
from services.rag.main import create_app
from services.rag.settings import get_settings

if __name__ == "__main__":
    serve("rag-api", create_app, get_settings)
