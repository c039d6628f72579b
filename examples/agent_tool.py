"""The answer step as an agent tool: what a LangChain or LangGraph agent sees and gets back.

    python examples/agent_tool.py

Give the tool to an agent like any other (``model.bind_tools([tool])``, or the ``tools`` of
LangChain's or LangGraph's agents). Here it is called as an agent calls it, with a tool call.
"""

from assistant import answer_tool, shared_knowledge_base, sync

sync(shared_knowledge_base())
tool = answer_tool()
print(f"{tool.name}: {tool.description}")
print("arguments:", tool.args)

call = {
    "type": "tool_call",
    "id": "call_1",
    "name": tool.name,
    "args": {"question": "Which country signed the first e-commerce MoU with China?"},
}
message = tool.invoke(call)  # a ToolMessage, as an agent puts it into the conversation
print(message.content)
print("artifact:", type(message.artifact).__name__, [c.source for c in message.artifact.citations])

bad = tool.invoke({**call, "id": "call_2", "args": {"question": " "}})
print(f"{bad.status}: {bad.content}")  # the model reads why, and can ask again
