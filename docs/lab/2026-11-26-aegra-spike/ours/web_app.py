"""Spike: serve/app.py's page, routes and guards on Aegra. Aegra requires a FastAPI app, so the
Starlette app's routes and middleware are carried over; the middlewares that speak to
langgraph_api's runtime (forwarding, thread sync, busy threads) are left out."""
from fastapi import FastAPI
from starlette.middleware import Middleware

import serve.app as web
from aegra_app import lifespan  # the saver swap and the graph build

SKIP = {"RunForwarding", "ThreadSync", "BusyThreads"}
middleware = [m for m in web.app.user_middleware if m.cls.__name__ not in SKIP]
app = FastAPI(lifespan=lifespan, routes=list(web.app.routes), middleware=middleware)
