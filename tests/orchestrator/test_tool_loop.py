"""The model's own tool calls: server tools run here and their results feed the next model
call; client tools go back to the client untouched; the loop is bounded."""

from __future__ import annotations

import json

import pytest

from tests.orchestrator.conftest import Orchestrator, chat, chat_stream, user
from tests.scripted_llm import call, say, scripted_llm

pytestmark = pytest.mark.integration

CLIENT_TOOL = {
    "type": "function",
    "function": {
        "name": "read_file",
        "description": "Read a file in the editor",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
}


def test_a_server_tool_call_runs_and_its_result_reaches_the_next_model_call(
    orchestrator: Orchestrator,
) -> None:
    with (
        scripted_llm(
            call("tools__convert_units", {"quantity": "3 bar", "to": "kPa"}, "call_1"),
            say("3 bar is 300 kPa."),
        ) as llm,
        orchestrator(llm.url) as client,
    ):
        answer = chat(client, user("How much is 3 bar in kPa?"))
    assert "tools__convert_units" in llm.offered(0)
    assert all(n.count("__") == 1 for n in llm.offered(0)), "namespaced, no dots"
    second = llm.requests[1]["messages"]
    assistant, result = second[-2], second[-1]
    assert assistant["role"] == "assistant"
    assert assistant["tool_calls"][0]["function"]["name"] == "tools__convert_units"
    assert result["role"] == "tool" and result["tool_call_id"] == "call_1"
    assert json.loads(result["content"])["value"] == 300.0
    assert answer["choices"][0]["message"]["content"] == "3 bar is 300 kPa."
    assert "tool_calls" not in answer["choices"][0]["message"]
    ran = [s for s in answer["steps"] if s["node"] == "call_tools"]
    assert ran and ran[0]["tool"] == "tools__convert_units" and ran[0]["outcome"] == "ok"
    assert answer["usage"]["total_tokens"] == 24, "both model rounds are counted"


def test_streamed_server_tool_calls_never_reach_the_client(orchestrator: Orchestrator) -> None:
    with (
        scripted_llm(
            call("tools__convert_units", {"quantity": "2 MPa", "to": "bar"}),
            say("It is 20 bar."),
        ) as llm,
        orchestrator(llm.url) as client,
    ):
        chunks = chat_stream(client, user("2 MPa in bar?"), stream_options={"include_usage": True})
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert not any("tool_calls" in d for d in deltas)
    assert "".join(d.get("content") or "" for d in deltas) == "It is 20 bar."
    assert deltas[0].get("role") == "assistant"
    final = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]][-1]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert [s["node"] for s in final["steps"]] == ["generate", "call_tools", "generate"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 24
    assert json.loads(llm.requests[1]["messages"][-1]["content"])["value"] == 20.0


@pytest.mark.parametrize("stream", [False, True])
def test_a_client_tool_call_goes_back_untouched_and_its_result_continues(
    orchestrator: Orchestrator, stream: bool
) -> None:
    arguments = {"path": "src/valve.py"}
    with (
        scripted_llm(
            call("read_file", arguments, "call_cursor_7"), say("The file sets 150 psi.")
        ) as llm,
        orchestrator(llm.url) as client,
    ):
        ask = user("What pressure does valve.py set?")
        if stream:
            chunks = chat_stream(client, ask, tools=[CLIENT_TOOL])
            deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
            opened = [d["tool_calls"][0] for d in deltas if d.get("tool_calls")]
            assert opened[0]["id"] == "call_cursor_7" and opened[0]["index"] == 0
            assert opened[0]["function"] == {"name": "read_file", "arguments": ""}
            assert json.loads(opened[1]["function"]["arguments"]) == arguments
            assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
            call_message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_cursor_7",
                        "type": "function",
                        "function": {"name": "read_file", "arguments": json.dumps(arguments)},
                    }
                ],
            }
        else:
            answer = chat(client, ask, tools=[CLIENT_TOOL])
            choice = answer["choices"][0]
            assert choice["finish_reason"] == "tool_calls"
            (returned,) = choice["message"]["tool_calls"]
            assert returned["id"] == "call_cursor_7"
            assert returned["function"]["name"] == "read_file"
            assert json.loads(returned["function"]["arguments"]) == arguments
            call_message = choice["message"]
        # The client ran it and sends the result: the conversation goes on.
        follow_up = [
            *ask,
            call_message,
            {"role": "tool", "tool_call_id": "call_cursor_7", "content": "P_SET = 150"},
        ]
        answer = chat(client, follow_up, tools=[CLIENT_TOOL])
    assert answer["choices"][0]["message"]["content"] == "The file sets 150 psi."
    sent = llm.requests[1]["messages"]
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_cursor_7", "content": "P_SET = 150"}
    assert "read_file" in llm.offered(0) and "tools__convert_units" in llm.offered(0)


def test_a_name_clash_goes_to_the_client(orchestrator: Orchestrator) -> None:
    mine = {"type": "function", "function": {"name": "tools__convert_units", "parameters": {}}}
    with (
        scripted_llm(call("tools__convert_units", {"x": 1}, "c1")) as llm,
        orchestrator(llm.url) as client,
    ):
        answer = chat(client, user("convert"), tools=[mine])
    assert llm.offered(0).count("tools__convert_units") == 1
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert not [s for s in answer["steps"] if s["node"] == "call_tools"], "not run here"


def test_the_loop_stops_at_max_steps_with_a_clear_note(orchestrator: Orchestrator) -> None:
    again = call("tools__convert_units", {"quantity": "1 bar", "to": "Pa"})
    with (
        scripted_llm(again, again, say("Stopping here.")) as llm,
        orchestrator(llm.url, orch_max_steps=2) as client,
    ):
        answer = chat(client, user("Keep converting"))
    assert len(llm.requests) == 3
    assert "tools__convert_units" in llm.offered(1)
    assert llm.offered(2) == [], "no server tools once the budget is spent"
    assert "stopped after 2 steps (ORCH_MAX_STEPS)" in llm.system(2)
    ran = [s for s in answer["steps"] if s["node"] == "call_tools"]
    assert [s["outcome"] for s in ran] == ["ok", "ok"]
    assert answer["choices"][0]["message"]["content"] == "Stopping here."


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_that_keeps_calling_past_the_budget_gets_an_answer_saying_why(
    orchestrator: Orchestrator, stream: bool
) -> None:
    again = call("tools__convert_units", {"quantity": "1 bar", "to": "Pa"})
    with (
        scripted_llm(again) as llm,  # it never stops asking
        orchestrator(llm.url, orch_max_steps=1) as client,
    ):
        if stream:
            chunks = chat_stream(client, user("Keep converting"))
            text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
            finish = chunks[-1]["choices"][0]["finish_reason"]
        else:
            message = chat(client, user("Keep converting"))["choices"][0]
            text, finish = message["message"]["content"], message["finish_reason"]
    assert len(llm.requests) == 2, "one tool round, then the answer"
    assert text == "(stopped after 1 steps (ORCH_MAX_STEPS))" and finish == "stop"


def test_a_model_that_cannot_call_tools_is_not_sent_them(orchestrator: Orchestrator) -> None:
    with scripted_llm(say("plain")) as llm, orchestrator(llm.url, llm_tool_calling="off") as c:
        chat(c, user("hello"), tools=[CLIENT_TOOL], tool_choice="auto")
    assert "tools" not in llm.requests[0] and "tool_choice" not in llm.requests[0]
