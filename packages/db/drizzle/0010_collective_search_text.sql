-- GET /collectives?search= (collectives.md R02: a case-insensitive substring of the name, the description or any one
-- tag) first tests one stored, lowercased text of all of them with a plain LIKE, then the exact per-field test on the
-- rows that pass: a collective that cannot match no longer costs three ILIKEs (each lowercasing its field) and a walk
-- over its tags. A substring of one field is a substring of the whole text, so the first test never drops a match; a
-- match only across a line break is dropped by the exact test.
CREATE FUNCTION collective_search_text(name text, description text, tags jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ select lower(name || chr(10) || description || coalesce(
    (select string_agg(chr(10) || tag, '') from jsonb_array_elements_text(
      case when jsonb_typeof(tags) = 'array' then tags else '[]'::jsonb end) as tag), '')) $$;--> statement-breakpoint
ALTER TABLE "collectives" ADD COLUMN "search_text" text GENERATED ALWAYS AS (collective_search_text(name, description, tags)) STORED;
