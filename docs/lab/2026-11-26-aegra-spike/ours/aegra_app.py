"""Spike: ml-intern's custom app for Aegra. Aegra's core lifespan has already opened its pool,
built its own AsyncPostgresSaver and started the workers when this lifespan runs."""
import asyncio, os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from aegra_api.core.database import db_manager

from serve import studio
from store.postgres_saver import ThreadPostgresSaver
from store.postgres_schema import ensure_checkpoint_schema


@asynccontextmanager
async def lifespan(app):
    if os.environ.get("SPIKE_OUR_SAVER") == "1":
        url = os.environ["ML_INTERN_DATABASE_URL"]
        await asyncio.to_thread(ensure_checkpoint_schema, url)
        saver = ThreadPostgresSaver(db_manager.lg_pool)  # Aegra's pool: autocommit, dict_row
        saver.url = url
        db_manager._checkpointer = saver  # PRIVATE: the only way in (see REPORT)
        studio.SERVER.saver = saver
    await studio.build_now()  # what create_checkpointer did under langgraph dev
    try:
        yield
    finally:
        studio.SERVER.saver = None
        await studio.SERVER.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/web/saver")
async def which_saver():
    return {"saver": type(db_manager.get_checkpointer()).__name__}
