from services.asr.main import create_app
from services.asr.settings import get_settings
from services.kit.serve import serve

if __name__ == "__main__":
    serve("asr-api", create_app, get_settings)
