/**
 * The NOTIFY trigger on the queue table and its function (CATALOGUE SQL-8..SQL-10).
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { quoteLiteral, sqlNames } from "../identifiers.js";

/**
 * The trigger function. Statement-level, as in PgQueuer: OLD/NEW are NULL there, so UPDATE
 * statements never notify (CATALOGUE SQL-8, SQL-9); our runtime notifies explicitly instead
 * where a worker must wake (see sql/queue.ts).
 */
export function buildTriggerFunction(settings: Settings, verb: "CREATE" | "CREATE OR REPLACE"): string {
  const n = sqlNames(settings);
  const channel = quoteLiteral(n.channel);
  return `${verb} FUNCTION ${n.function}() RETURNS TRIGGER AS $$
DECLARE
    to_emit BOOLEAN := false;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS DISTINCT FROM NEW THEN
        to_emit := true;
    ELSIF TG_OP = 'DELETE' THEN
        to_emit := true;
    ELSIF TG_OP = 'INSERT' THEN
        to_emit := true;
    ELSIF TG_OP = 'TRUNCATE' THEN
        to_emit := true;
    END IF;

    IF to_emit THEN
        PERFORM pg_notify(
            ${channel},
            json_build_object(
                'channel', ${channel},
                'operation', lower(TG_OP),
                'sent_at', NOW(),
                'table', TG_TABLE_NAME,
                'type', 'table_changed_event'
            )::text
        );
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN OLD;
    ELSE
        RETURN NULL;
    END IF;
END;
$$ LANGUAGE plpgsql`;
}

/**
 * The trigger itself. No `FOR EACH ROW`: one notification per statement however many rows it
 * touched (`pg_trigger.tgtype = 60`).
 */
export function buildTriggerStatement(settings: Settings): string {
  const n = sqlNames(settings);
  return `CREATE TRIGGER ${n.trigger}
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${n.queueTable}
EXECUTE FUNCTION ${n.function}()`;
}
