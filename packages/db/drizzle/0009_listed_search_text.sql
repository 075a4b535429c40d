-- List search (GET /endpoints/public?search=) tests a stored, lowercased text of name, description and tags with a plain
-- LIKE (ILIKE lowercased the whole concatenation for every row it tested), in its trigram index and when it walks the
-- listing index from the newest endpoint; the index over the unlowered concatenation (0008) is replaced.
DROP INDEX "endpoints_listed_text_trgm_idx";--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "search_text" text GENERATED ALWAYS AS (lower("name" || chr(10) || "description" || chr(10) || ("tags"::text))) STORED;--> statement-breakpoint
CREATE INDEX "endpoints_listed_search_text_trgm_idx" ON "endpoints" USING gin ("search_text" gin_trgm_ops) WHERE "visibility" = 'public' AND "is_active" AND NOT "archived";