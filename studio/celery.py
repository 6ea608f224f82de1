import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

# Celery warns when its worker runs as root because a pickle message could then run
# code as root. Tasks here are JSON only (CELERY_ACCEPT_CONTENT), so the warning is
# one nobody can act on; dev containers and this project's CI run as root.
warnings.filterwarnings("ignore", category=SecurityWarning, message=".*superuser privileges")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
