"""The eval suite: fact fixtures run through ``assistant.ask``, scored, reported and gated."""
