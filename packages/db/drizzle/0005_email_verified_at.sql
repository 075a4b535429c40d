ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamp with time zone;--> statement-breakpoint
-- No address was proven before this column existed (without an e-mail sender every account was marked verified),
-- so OAuth grants stop claiming email_verified until the user verifies again.
UPDATE "oauth_grants" SET "email_verified" = false;
