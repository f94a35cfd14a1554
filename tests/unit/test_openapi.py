"""The chat routes read their bodies by hand, yet their OpenAPI documents the real schema."""

from __future__ import annotations

import json

import pytest

from services.gateway.main import create_app as gateway_app
from services.gateway.settings import Settings as GatewaySettings
from services.orchestrator.main import create_app as orchestrator_app
from services.orchestrator.settings import Settings as OrchestratorSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", ["gateway", "orchestrator"])
def test_chat_route_documents_its_request_schema(service: str) -> None:
    if service == "gateway":
        app = gateway_app(GatewaySettings(gateway_api_keys=["sk-openapi-test-0123456789"]))
    else:
        app = orchestrator_app(OrchestratorSettings())
    operation = app.openapi()["paths"]["/v1/chat/completions"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"model", "messages"}
    message = schema["properties"]["messages"]["items"]
    assert set(message["properties"]["role"]["enum"]) >= {"system", "user", "assistant", "tool"}
    assert schema["properties"]["temperature"]["anyOf"][0]["maximum"] == 2
    assert "$ref" not in json.dumps(schema), "definitions are inlined into the operation"
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    assert ("authorization" in headers) == (service == "gateway")
