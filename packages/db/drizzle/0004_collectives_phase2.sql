ALTER TABLE "collective_members" ADD COLUMN "invited_by_user_id" integer;--> statement-breakpoint
ALTER TABLE "collective_members" ADD COLUMN "notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "collective_shared_endpoint_members" ADD COLUMN "position" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "collective_members" ADD CONSTRAINT "collective_members_invited_by_user_id_users_id_fk" FOREIGN KEY ("invited_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "collectives_created_at_id_idx" ON "collectives" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "collective_shared_endpoints" ADD CONSTRAINT "collective_shared_endpoints_slug_check" CHECK ("collective_shared_endpoints"."slug" <> 'all' AND "collective_shared_endpoints"."slug" = lower("collective_shared_endpoints"."slug"));--> statement-breakpoint
ALTER TABLE "collectives" ADD CONSTRAINT "collectives_slug_lowercase_check" CHECK ("collectives"."slug" = lower("collectives"."slug"));