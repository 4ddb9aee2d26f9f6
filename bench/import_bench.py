"""Import benchmark (filled in below once the import service lands)."""


def run(n, *, profile=False, log=print):
    return {"n": n, "note": "import service not available yet"}
