#!/usr/bin/env python3
"""The seed's stress test, as the seed document runs it, for comparison.

The design under test is the seed's "alternative" AsyncDB: a pool of five
sqlite3 connections used from a ThreadPoolExecutor of five threads, each
call run with loop.run_in_executor. The test creates a table, then starts
300 inserts (each committed on its own) with a count query after every
third, plus 300 more count queries, all at once, and waits for them.

Usage: stress.py DBFILE
Prints: elapsed=SECONDS inserted=N errors=N
"""

import asyncio
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Queue


class Pool:
    def __init__(self, path, size):
        self.conns = Queue(maxsize=size)
        for _ in range(size):
            self.conns.put(sqlite3.connect(path, check_same_thread=False))

    def run(self, sql, params, commit):
        conn = self.conns.get()
        try:
            cur = conn.execute(sql, params)
            if commit:
                conn.commit()
                return None
            return cur.fetchall()
        except Exception:
            if commit:
                conn.rollback()
            raise
        finally:
            self.conns.put(conn)

    def close(self):
        while not self.conns.empty():
            self.conns.get().close()


class AsyncDB:
    def __init__(self, path, size=5):
        self.pool = Pool(path, size)
        self.executor = ThreadPoolExecutor(max_workers=size)

    async def execute(self, sql, params=(), commit=False):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.pool.run, sql, params, commit)

    def close(self):
        self.executor.shutdown(wait=True)
        self.pool.close()


async def main(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = AsyncDB(path)
    await db.execute("CREATE TABLE stress_table (id INTEGER PRIMARY KEY, value TEXT)", commit=True)

    async def insert(i):
        await db.execute("INSERT INTO stress_table (value) VALUES (?)", (f"value_{i}",), commit=True)

    async def read(i):
        rows = await db.execute("SELECT COUNT(*) FROM stress_table")
        return rows[0][0]

    tasks = []
    start = time.perf_counter()
    for i in range(300):
        tasks.append(asyncio.create_task(insert(i)))
        if i % 3 == 0:
            tasks.append(asyncio.create_task(read(i)))
    for i in range(300):
        tasks.append(asyncio.create_task(read(300 + i)))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - start
    errors = sum(1 for r in results if isinstance(r, Exception))
    rows = await db.execute("SELECT COUNT(*) FROM stress_table")
    db.close()
    print(f"elapsed={elapsed:.6f} inserted={rows[0][0]} errors={errors}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
