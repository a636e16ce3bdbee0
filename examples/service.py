"""A small async service with the mistakes asynclint finds (run: asynclint examples/)."""

import asyncio
import subprocess
import time

import httpx


async def fetch_user(client: httpx.AsyncClient, user_id: int) -> dict:
    response = await client.get(f"/users/{user_id}")
    return response.json()


async def fetch_posts(client: httpx.AsyncClient, user_id: int) -> list:
    response = await client.get(f"/users/{user_id}/posts")
    return response.json()


async def refresh(client: httpx.AsyncClient, user_id: int) -> None:
    time.sleep(1)  # blocks every task on the loop
    subprocess.run(["sync"], check=True)
    fetch_user(client, user_id)  # the coroutine never runs
    user = await fetch_user(client, user_id)
    posts = await fetch_posts(client, user_id)
    print(user, posts)


async def worker(queue: asyncio.Queue) -> None:
    while True:
        try:
            job = await queue.get()
            await job()
        except asyncio.CancelledError:
            continue  # the task can never be cancelled
