"""The database refuses to rewrite the audit log: UPDATE and DELETE (and TRUNCATE on PostgreSQL)
of entries, leaves and signed heads fail with an integrity error, whoever sends them.

The triggers bind the application and anyone with its database role who does not also run DDL;
an owner who drops them can rewrite the tables, which is what ``svidok audit verify`` and the
signed heads kept by outsiders are for (docs/audit-log.md).

On PostgreSQL one more trigger makes every INSERT into the entries take the sequencer's advisory
lock in shared mode, held until the writer's transaction ends (see ``svidok.audit.log.sequence``).
"""

TABLES = ("audit_auditentry", "audit_auditleaf", "audit_treehead")
SEQUENCER_LOCK = 0x53564944  # "SVID": the advisory lock key of the sequencer (PostgreSQL)


def install_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            for table in TABLES for verb in ("UPDATE", "DELETE")
        ]
    if vendor == "postgresql":
        sql = [
            "CREATE OR REPLACE FUNCTION svidok_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$",
            "CREATE OR REPLACE FUNCTION svidok_audit_sequencer_shared() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_advisory_xact_lock_shared({SEQUENCER_LOCK}); RETURN NULL; END $$",
        ]
        for table in TABLES:
            sql += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION svidok_audit_append_only()"]
        sql += ["DROP TRIGGER IF EXISTS audit_auditentry_sequencer ON audit_auditentry",
                "CREATE TRIGGER audit_auditentry_sequencer BEFORE INSERT ON audit_auditentry "
                "FOR EACH STATEMENT EXECUTE FUNCTION svidok_audit_sequencer_shared()"]
        return sql
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def remove_sql(vendor: str) -> list[str]:
    """The DDL that lifts the refusal (the sequencer's insert lock stays). Used by the migration's
    reverse and by the test harness around its flush (tests/conftest.py), never by the application."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}" for table in TABLES for verb in ("UPDATE", "DELETE")]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES]
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
