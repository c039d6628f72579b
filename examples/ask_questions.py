"""Plain Python: index the documents, ask, follow up, stream.

    python examples/ask_questions.py

Runs offline. Settings come from ASSISTANT_* environment variables; by default the documents
are in ./knowledge and the index in ./.assistant, so run it from the repository root.
"""

from assistant import ask, ask_stream, shared_knowledge_base, sync

kb = shared_knowledge_base()  # the knowledge base ask() uses for these settings
report = sync(kb)  # embeds only what changed since the last run
print(f"{report.documents} document(s), {report.chunks} chunks")

question = "What share of China's GDP was the digital economy in 2023?"
answer = ask(question)
print(answer.answer)
for citation in answer.citations:
    print(f"  [{citation.n}] {citation.source}, characters {citation.start}-{citation.end}")
print(f"support: {answer.support.level} ({answer.support.label})")

history = [
    {"role": "user", "content": question},
    {"role": "assistant", "content": answer.answer},
]
for event in ask_stream("And in 2015?", history=history):
    if isinstance(event, str):
        print(event, end="", flush=True)
    else:
        print(f"\n(asked as: {event.standalone_question})")

unanswerable = ask("What was the digital economy's share of GDP in 2010?")
print(unanswerable.support.level, "-", unanswerable.answer)
