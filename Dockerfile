# The studio's image: web (gunicorn), worker, beat and the emulator all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STUDIO_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 studio

# Dependencies first, from the lock (pinned, every file's hash checked; no test extras),
# so code changes don't reinstall them. `make lock` writes it from pyproject.toml.
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes -r requirements/lock.txt

# Then the code, and the studio itself as an editable install over /app (no dependencies:
# they are all above), as `make deps` does.
COPY . .
RUN pip install --no-deps -e . \
    && mkdir -p /app/var/staticfiles && chown -R studio /app/var
USER studio

EXPOSE 8000
CMD ["gunicorn", "studio.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
