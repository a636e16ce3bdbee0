"""A small async service with the mistakes asynclint finds (run: asynclint examples/)."""

import asyncio
import subprocess
import time


async def fetch_user(user_id: int) -> dict:
    await asyncio.sleep(0.1)
    return {"id": user_id}


async def fetch_posts(user_id: int) -> list:
    await asyncio.sleep(0.1)
    return []


async def refresh(user_id: int) -> None:
    time.sleep(1)  # blocks every task on the loop
    subprocess.run(["sync"], check=True)
    fetch_user(user_id)  # the coroutine never runs
    user = await fetch_user(user_id)
    posts = await fetch_posts(user_id)
    print(user, posts)


async def worker(queue: asyncio.Queue) -> None:
    while True:
        try:
            job = await queue.get()
            await job()
        except asyncio.CancelledError:
            continue  # the task can never be cancelled
