import os

from django.core.wsgi import get_wsgi_application

from svidok.common.filemodes import make_private

make_private()  # the database, keys and evidence this server writes are private (svidok/common/filemodes.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
application = get_wsgi_application()
