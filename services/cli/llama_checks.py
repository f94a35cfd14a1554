"""Start-up check of the embedded llama-server: does its chat template keep the conversation?

A template that drops the messages (``--chat-template gemma`` read as a literal Jinja template
rendered everything as the word "gemma") leaves the server healthy and every answer unrelated
to the question. So once it is up, a probe conversation is rendered through llama-server's own
``POST /apply-template``, and the stack refuses to report ready unless both the probe's system
text and its user text are in the prompt the model would see.
"""

from __future__ import annotations

import httpx

from services.cli.supervisor import StackError

PROBE_SYSTEM = "ai-stack probe: constraints come first"
PROBE_USER = "ai-stack probe: what is 2 bar in kPa?"


def check_chat_template(client: httpx.Client, base_url: str, template: str) -> None:
    """Raise StackError naming ``template`` unless the probe survives rendering."""
    probe = {
        "messages": [
            {"role": "system", "content": PROBE_SYSTEM},
            {"role": "user", "content": PROBE_USER},
        ]
    }
    try:
        response = client.post(f"{base_url}/apply-template", json=probe, timeout=10)
        prompt = str(response.json().get("prompt", "")) if response.status_code == 200 else ""
        detail = f"HTTP {response.status_code}: {response.text[:200]}"
    except (httpx.HTTPError, ValueError) as exc:
        prompt, detail = "", f"{type(exc).__name__}: {exc}"
    if PROBE_SYSTEM in prompt and PROBE_USER in prompt:
        return
    shown = repr(prompt[:120]) if prompt else detail
    raise StackError(
        f"llama-server's chat template ({template}) drops the conversation: a probe rendered "
        f"as {shown}. Point LLAMACPP_CHAT_TEMPLATE_FILE at a Jinja template that renders the "
        "messages (the bundled one is services/cli/templates/gemma.jinja)."
    )
