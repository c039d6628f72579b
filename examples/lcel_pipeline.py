"""The answer chain and the retriever in an LCEL pipeline: pipe, run side by side, batch, stream.

    python examples/lcel_pipeline.py
"""

import asyncio

from langchain_core.runnables import RunnableLambda, RunnableParallel

from assistant import Answer, AnswerChain, HybridRetriever, shared_knowledge_base, sync

sync(shared_knowledge_base())
chain = AnswerChain()


def as_markdown(answer: Answer) -> str:
    sources = "\n".join(f"- [{c.n}] {c.source}: “{c.quote}”" for c in answer.citations)
    return f"{answer.answer}\n\n{sources}" if sources else answer.answer


# Pipe: clean the question, answer it, render the reply.
pipeline = RunnableLambda(str.strip) | chain | RunnableLambda(as_markdown)
print(pipeline.invoke("  How many cross-border e-commerce pilot zones has China set up?  "))

# Side by side: the answer and the passages retrieved for the same question.
both = RunnableParallel(answer=chain, passages=HybridRetriever(k=2))
result = both.invoke("Which country signed the first e-commerce MoU with China?")
print(result["answer"].answer)
for doc in result["passages"]:
    meta = doc.metadata
    print(f"  #{meta['rank']} {meta['source']} [{meta['start']}:{meta['end']}] "
          f"fused {meta['fused_score']:.4f}")

# Batch: several questions at once.
questions = [
    "How many overseas warehouses had been established by 2024?",
    "Where does China rank in digitally deliverable trade exports?",
    "What is the capital of France?",
]
for answer in chain.batch(questions, config={"max_concurrency": 2}):
    print(f"{answer.support.level:>8}: {answer.answer[:70]}")


# Stream asynchronously: text as it is produced, then the checked Answer.
async def stream() -> None:
    async for event in chain.astream("What share of total service trade should DDT reach?"):
        if isinstance(event, Answer):
            print(f"\n[{len(event.citations)} citation(s), {event.verification.status}]")
        else:
            print(event, end="")


asyncio.run(stream())
