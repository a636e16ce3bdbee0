"""Data the rules share: tables of blocking calls, coroutine functions, ordered calls."""
