import os

from django.core.asgi import get_asgi_application

from svidok.common.filemodes import make_private

make_private()  # the database, keys and evidence this server writes are private (svidok/common/filemodes.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
application = get_asgi_application()
