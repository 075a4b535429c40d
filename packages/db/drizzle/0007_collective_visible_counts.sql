ALTER TABLE "collectives" ADD COLUMN "public_member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "collectives" ADD COLUMN "public_owner_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "collectives" ADD COLUMN "listed_member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "collectives" ADD COLUMN "listed_owner_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Recomputes the denormalised counts of one collective from its members under V (collectives.md §5.3): approved,
-- endpoint active, of a joinable type, not archived, owner active; `public_*` over public endpoints (anonymous
-- callers), `listed_*` over public and internal ones (signed-in callers). The row lock serialises concurrent
-- recomputes of the same collective, and the UPDATE runs in a snapshot taken after it, so the last writer to commit
-- has counted every committed member change. NO KEY UPDATE, not UPDATE: a membership insert holds KEY SHARE on the
-- collective (its foreign key), which FOR UPDATE would wait on, deadlocking two concurrent joins.
CREATE FUNCTION "collective_refresh_counts"("target" integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "collectives" WHERE "id" = "target" FOR NO KEY UPDATE;
  UPDATE "collectives" AS c SET
    "public_member_count" = s.public_members,
    "public_owner_count" = s.public_owners,
    "listed_member_count" = s.listed_members,
    "listed_owner_count" = s.listed_owners
  FROM (
    SELECT
      count(*) FILTER (WHERE e."visibility" = 'public')::int AS public_members,
      count(DISTINCT e."user_id") FILTER (WHERE e."visibility" = 'public')::int AS public_owners,
      count(*) FILTER (WHERE e."visibility" IN ('public', 'internal'))::int AS listed_members,
      count(DISTINCT e."user_id") FILTER (WHERE e."visibility" IN ('public', 'internal'))::int AS listed_owners
    FROM "collective_members" m
    JOIN "endpoints" e ON e."id" = m."endpoint_id"
    JOIN "users" u ON u."id" = e."user_id"
    WHERE m."collective_id" = "target" AND m."status" = 'approved' AND e."is_active" AND u."is_active"
      AND e."type" IN ('data_source', 'model_data_source') AND NOT e."archived"
  ) AS s
  WHERE c."id" = "target"
    AND (c."public_member_count", c."public_owner_count", c."listed_member_count", c."listed_owner_count")
      IS DISTINCT FROM (s.public_members, s.public_owners, s.listed_members, s.listed_owners);
END;
$$;--> statement-breakpoint
-- Membership writes: once per statement and collective (a bulk insert of 50 members recomputes once), in id order
-- so that concurrent writers lock collectives in the same order.
CREATE FUNCTION "collective_members_refresh_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR target IN SELECT DISTINCT "collective_id" FROM new_rows ORDER BY 1 LOOP
      PERFORM "collective_refresh_counts"(target);
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR target IN SELECT DISTINCT "collective_id" FROM old_rows ORDER BY 1 LOOP
      PERFORM "collective_refresh_counts"(target);
    END LOOP;
  ELSE
    FOR target IN
      SELECT "collective_id" FROM old_rows UNION SELECT "collective_id" FROM new_rows ORDER BY 1
    LOOP
      PERFORM "collective_refresh_counts"(target);
    END LOOP;
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "collective_members_counts_insert" AFTER INSERT ON "collective_members"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "collective_members_refresh_counts"();--> statement-breakpoint
CREATE TRIGGER "collective_members_counts_update" AFTER UPDATE ON "collective_members"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "collective_members_refresh_counts"();--> statement-breakpoint
CREATE TRIGGER "collective_members_counts_delete" AFTER DELETE ON "collective_members"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "collective_members_refresh_counts"();--> statement-breakpoint
-- Endpoint writes that change V: visibility, activity, archival, type, owner. Deletion needs nothing here: the FK
-- cascade deletes the membership rows, which fires the delete trigger above.
CREATE FUNCTION "endpoints_refresh_collective_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target integer;
BEGIN
  FOR target IN
    SELECT DISTINCT "collective_id" FROM "collective_members"
    WHERE "endpoint_id" = NEW."id" AND "status" = 'approved' ORDER BY 1
  LOOP
    PERFORM "collective_refresh_counts"(target);
  END LOOP;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "endpoints_collective_counts" AFTER UPDATE OF "visibility", "is_active", "archived", "type", "user_id"
  ON "endpoints" FOR EACH ROW
  WHEN (OLD."visibility" IS DISTINCT FROM NEW."visibility" OR OLD."is_active" IS DISTINCT FROM NEW."is_active"
    OR OLD."archived" IS DISTINCT FROM NEW."archived" OR OLD."type" IS DISTINCT FROM NEW."type"
    OR OLD."user_id" IS DISTINCT FROM NEW."user_id")
  EXECUTE FUNCTION "endpoints_refresh_collective_counts"();--> statement-breakpoint
-- A user's activation changes V for all their endpoints' memberships.
CREATE FUNCTION "users_refresh_collective_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target integer;
BEGIN
  FOR target IN
    SELECT DISTINCT m."collective_id" FROM "collective_members" m JOIN "endpoints" e ON e."id" = m."endpoint_id"
    WHERE e."user_id" = NEW."id" AND m."status" = 'approved' ORDER BY 1
  LOOP
    PERFORM "collective_refresh_counts"(target);
  END LOOP;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "users_collective_counts" AFTER UPDATE OF "is_active" ON "users" FOR EACH ROW
  WHEN (OLD."is_active" IS DISTINCT FROM NEW."is_active")
  EXECUTE FUNCTION "users_refresh_collective_counts"();--> statement-breakpoint
-- Existing collectives.
SELECT "collective_refresh_counts"("id") FROM "collectives" ORDER BY "id";
