"""The municipal server: enrollment of HQ stations, event ingest, monitoring, act verification.

Needs the ``server`` extra (FastAPI, uvicorn, jinja2, psycopg); nothing in the desktop app imports it.
"""
