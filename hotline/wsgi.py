import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
application = get_wsgi_application()

# Load every view now, then leave what is loaded out of the garbage collector's full
# collections: they walked the whole loaded framework (over 100,000 objects, about 60 ms on a
# small machine) every few thousand requests, and stalled the requests that came meanwhile.
get_resolver().url_patterns  # noqa: B018 - imports the URL configuration and every view
gc.freeze()
