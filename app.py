"""Entry point: ``flask --app app run`` for development, ``gunicorn app:app`` in production."""

import gc

from rights.web import create_app

app = create_app()

# What is built by now (the modules, the app and its Jinja environment, SQLAlchemy's mappers: some 200,000
# objects) lives as long as the process. A full collection walked all of it each time, about a fifth of a
# second on this kind of machine every few hundred requests, a few per cent of a gunicorn worker's CPU under
# load (bench/load.py). Frozen, the collector looks only at what requests make; under gunicorn's --preload,
# it also leaves those pages unwritten, so forked workers keep sharing them.
gc.freeze()

