"""The LangGraph server's entry points (Studio, web, Space): the app, auth and OAuth, guards, web actions."""
