# The studio's image: web (gunicorn), worker, beat and the emulator all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STUDIO_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 studio

# Dependencies first, from pyproject.toml, so code changes don't reinstall them.
COPY pyproject.toml ./
COPY scripts/deps.py scripts/deps.py
RUN python scripts/deps.py requirements > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN mkdir -p /app/var/staticfiles && chown -R studio /app/var
USER studio

EXPOSE 8000
CMD ["gunicorn", "studio.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
