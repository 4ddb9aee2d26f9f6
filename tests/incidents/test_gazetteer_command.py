"""`svidok load_gazetteer` on an empty database (apart from test_gazetteer.py, whose module shares
one loaded gazetteer)."""

from django.core.management import call_command


def test_load_gazetteer_command_prints_counts(db, capsys):
    call_command("load_gazetteer")

    assert capsys.readouterr().out.startswith("gazetteer: created 5526, updated 0, unchanged 0, stale 0,")
