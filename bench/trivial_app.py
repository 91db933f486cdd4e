"""The yardstick of bench/load.py: one trivial Flask route, served by the portal's own
gunicorn settings (``gunicorn -c gunicorn.conf.py --pythonpath bench trivial_app:app``), so the
portal's throughput can be read as a fraction of what Flask on this machine can do at all."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "<!doctype html><title>ok</title><p>ok</p>"
