"""asr-api: OpenAI-compatible speech-to-text on faster-whisper, with tagged, timed segments."""
