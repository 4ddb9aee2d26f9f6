import os

from django.core.wsgi import get_wsgi_application

from svidok.common.filemodes import make_private

make_private()  # the database, keys and evidence this server writes are private (svidok/common/filemodes.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
application = get_wsgi_application()

if os.environ.get("SVIDOK_WARM_MATCHER", "1") != "0":
    # The matcher's indexes, ready before the first name check (docs/matching.md, "Start-up").
    from svidok.sanctions.matching import warm_in_background

    warm_in_background()
