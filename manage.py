#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    # A checkout with no secret configured is a development install: management commands work
    # there without ceremony. The web server (hotline/wsgi.py) never assumes this.
    if not any(os.environ.get(name) for name in ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE")):
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
