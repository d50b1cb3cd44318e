"""The rules about a model's reply: how a small model is asked for it (`answer_now`,
`unseen_numbers`' written-unseen notes), what it becomes (`text_tool_calls`, `runaway_reply`),
and the checks a final answer passes before it ends the turn (`checks`)."""
