"""gunicorn settings for the portal: `gunicorn --config python:smartcities.gunicorn_config app:app`."""


def post_worker_init(worker):
    """Each worker builds its overlap index in the background as soon as it starts."""
    from smartcities.overlap.index import warm_up

    warm_up(worker.wsgi)
