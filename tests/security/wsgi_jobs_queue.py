"""gunicorn/flask entry for tests that run the portal with REDIS_URL: jobs go to a queue of
their own (TEST_JOBS_QUEUE), so a run never takes or leaves jobs in another run's queue."""
import os

from portal.app import create_app

app = create_app({"JOBS_QUEUE": os.environ["TEST_JOBS_QUEUE"]})
