CREATE TABLE "user_aggregators" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"url" varchar(500) NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "collective_members" (
	"id" serial PRIMARY KEY NOT NULL,
	"collective_id" integer NOT NULL,
	"endpoint_id" integer NOT NULL,
	"status" varchar(20) DEFAULT 'pending' NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"responded_at" timestamp with time zone,
	"reviewed_by_user_id" integer,
	CONSTRAINT "collective_members_status_check" CHECK ("collective_members"."status" IN ('pending', 'invited', 'approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "collective_shared_endpoint_members" (
	"shared_endpoint_id" integer NOT NULL,
	"endpoint_id" integer NOT NULL,
	CONSTRAINT "collective_shared_endpoint_members_pkey" PRIMARY KEY("shared_endpoint_id","endpoint_id")
);
--> statement-breakpoint
CREATE TABLE "collective_shared_endpoints" (
	"id" serial PRIMARY KEY NOT NULL,
	"collective_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"slug" varchar(63) NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "collectives" (
	"id" serial PRIMARY KEY NOT NULL,
	"owner_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"slug" varchar(63) NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"about" text DEFAULT '' NOT NULL,
	"auto_approve" boolean DEFAULT false NOT NULL,
	"icon_url" varchar(500),
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"verified" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "endpoint_stars" (
	"user_id" integer NOT NULL,
	"endpoint_id" integer NOT NULL,
	"starred_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "endpoint_stars_pkey" PRIMARY KEY("user_id","endpoint_id")
);
--> statement-breakpoint
CREATE TABLE "endpoint_uptime_samples" (
	"endpoint_id" integer NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"total_checks" integer DEFAULT 0 NOT NULL,
	"healthy_checks" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "endpoint_uptime_samples_pkey" PRIMARY KEY("endpoint_id","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "endpoints" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"slug" varchar(63) NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"type" varchar(20) NOT NULL,
	"visibility" varchar(20) DEFAULT 'public' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"disabled_by_admin" boolean DEFAULT false NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"consecutive_failure_count" integer DEFAULT 0 NOT NULL,
	"health_status" varchar(20),
	"health_checked_at" timestamp with time zone,
	"health_ttl_seconds" integer,
	"version" varchar(20) DEFAULT '0.1.0' NOT NULL,
	"readme" text DEFAULT '' NOT NULL,
	"stars_count" integer DEFAULT 0 NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"contributors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"policies" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"connect" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, "name"), 'A') || setweight(jsonb_to_tsvector('english'::regconfig, "tags", '["string"]'::jsonb), 'A') || setweight(to_tsvector('english'::regconfig, "description"), 'B') || setweight(to_tsvector('english'::regconfig, left("readme", 100000)), 'C')) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "endpoints_description_length" CHECK (char_length("endpoints"."description") <= 500),
	CONSTRAINT "endpoints_type_check" CHECK ("endpoints"."type" IN ('model', 'data_source', 'model_data_source', 'agent')),
	CONSTRAINT "endpoints_visibility_check" CHECK ("endpoints"."visibility" IN ('public', 'private', 'internal')),
	CONSTRAINT "endpoints_health_status_check" CHECK ("endpoints"."health_status" IN ('healthy', 'unhealthy')),
	CONSTRAINT "endpoints_stars_count_nonnegative" CHECK ("endpoints"."stars_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "error_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"correlation_id" varchar(128),
	"timestamp" timestamp with time zone NOT NULL,
	"service" varchar(50),
	"level" varchar(20),
	"event" varchar(100),
	"message" text,
	"user_id" integer,
	"endpoint" varchar(255),
	"method" varchar(10),
	"error_type" varchar(100),
	"error_code" varchar(50),
	"stack_trace" text,
	"context" jsonb,
	"request_data" jsonb,
	"response_data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_clients" (
	"client_id" varchar(512) PRIMARY KEY NOT NULL,
	"registration_type" varchar(8) NOT NULL,
	"client_type" varchar(16) NOT NULL,
	"client_secret_hash" char(64),
	"token_endpoint_auth_method" varchar(32) NOT NULL,
	"client_name" varchar(200),
	"redirect_uris" jsonb NOT NULL,
	"grant_types" jsonb NOT NULL,
	"response_types" jsonb NOT NULL,
	"scope" text,
	"application_type" varchar(16),
	"client_uri" varchar(500),
	"logo_uri" varchar(500),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata_expires_at" timestamp with time zone,
	"registered_ip" varchar(45),
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oauth_clients_registration_type_check" CHECK ("oauth_clients"."registration_type" IN ('dcr', 'cimd')),
	CONSTRAINT "oauth_clients_client_type_check" CHECK ("oauth_clients"."client_type" IN ('public', 'confidential')),
	CONSTRAINT "oauth_clients_token_endpoint_auth_method_check" CHECK ("oauth_clients"."token_endpoint_auth_method" IN ('none', 'client_secret_basic', 'client_secret_post'))
);
--> statement-breakpoint
CREATE TABLE "oauth_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" integer NOT NULL,
	"client_id" varchar(512) NOT NULL,
	"scope" text NOT NULL,
	"resource" varchar(500) NOT NULL,
	"user_email" varchar(255) NOT NULL,
	"username" varchar(50) NOT NULL,
	"full_name" varchar(100),
	"email_verified" boolean NOT NULL,
	"hub_refresh_token_enc" "bytea",
	"hub_token_key_id" varchar(32),
	"hub_session_expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_reason" varchar(32),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_refresh_tokens" (
	"token_hash" char(64) PRIMARY KEY NOT NULL,
	"grant_id" uuid NOT NULL,
	"client_id" varchar(512) NOT NULL,
	"scope" text NOT NULL,
	"resource" varchar(500) NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"replaced_by_hash" char(64),
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "otp_codes" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" varchar(255) NOT NULL,
	"code_hash" char(64) NOT NULL,
	"purpose" varchar(20) NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"requester_ip" varchar(45),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "otp_codes_purpose_check" CHECK ("otp_codes"."purpose" IN ('registration', 'password_reset'))
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"token_prefix" varchar(16) NOT NULL,
	"token_hash" char(64) NOT NULL,
	"scopes" jsonb DEFAULT '["full"]'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"last_used_ip" varchar(45),
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"jti" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"family_id" uuid NOT NULL,
	"user_id" integer NOT NULL,
	"parent_jti" uuid,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"family_expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"replaced_by_jti" uuid,
	"revoked_at" timestamp with time zone,
	"revoked_reason" varchar(32),
	"created_ip" varchar(45),
	"user_agent" varchar(255),
	CONSTRAINT "refresh_tokens_revoked_reason_check" CHECK ("refresh_tokens"."revoked_reason" IN ('logout', 'rotation_reuse', 'password_change', 'password_reset', 'user_deactivated', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" varchar(50) NOT NULL,
	"email" varchar(255) NOT NULL,
	"full_name" varchar(100) NOT NULL,
	"avatar_url" varchar(500),
	"role" varchar(20) DEFAULT 'user' NOT NULL,
	"password_hash" varchar(255),
	"is_active" boolean DEFAULT true NOT NULL,
	"is_email_verified" boolean DEFAULT true NOT NULL,
	"auth_provider" varchar(20) DEFAULT 'local' NOT NULL,
	"domain" varchar(500),
	"aggregator_url" varchar(500),
	"bio" text,
	"is_email_public" boolean DEFAULT false NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_lowercase" CHECK ("users"."username" = lower("users"."username")),
	CONSTRAINT "users_email_lowercase" CHECK ("users"."email" = lower("users"."email")),
	CONSTRAINT "users_role_check" CHECK ("users"."role" IN ('admin', 'user', 'guest')),
	CONSTRAINT "users_auth_provider_check" CHECK ("users"."auth_provider" IN ('local', 'google')),
	CONSTRAINT "users_bio_length" CHECK (char_length("users"."bio") <= 2000)
);
--> statement-breakpoint
ALTER TABLE "user_aggregators" ADD CONSTRAINT "user_aggregators_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_members" ADD CONSTRAINT "collective_members_collective_id_collectives_id_fk" FOREIGN KEY ("collective_id") REFERENCES "public"."collectives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_members" ADD CONSTRAINT "collective_members_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_members" ADD CONSTRAINT "collective_members_reviewed_by_user_id_users_id_fk" FOREIGN KEY ("reviewed_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_shared_endpoint_members" ADD CONSTRAINT "collective_shared_endpoint_members_shared_endpoint_id_collective_shared_endpoints_id_fk" FOREIGN KEY ("shared_endpoint_id") REFERENCES "public"."collective_shared_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_shared_endpoint_members" ADD CONSTRAINT "collective_shared_endpoint_members_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collective_shared_endpoints" ADD CONSTRAINT "collective_shared_endpoints_collective_id_collectives_id_fk" FOREIGN KEY ("collective_id") REFERENCES "public"."collectives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collectives" ADD CONSTRAINT "collectives_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "endpoint_stars" ADD CONSTRAINT "endpoint_stars_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "endpoint_stars" ADD CONSTRAINT "endpoint_stars_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "endpoint_uptime_samples" ADD CONSTRAINT "endpoint_uptime_samples_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "endpoints" ADD CONSTRAINT "endpoints_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "error_logs" ADD CONSTRAINT "error_logs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_grants" ADD CONSTRAINT "oauth_grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_grants" ADD CONSTRAINT "oauth_grants_client_id_oauth_clients_client_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."oauth_clients"("client_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_refresh_tokens" ADD CONSTRAINT "oauth_refresh_tokens_grant_id_oauth_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."oauth_grants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_aggregators_user_id_idx" ON "user_aggregators" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "user_aggregators_one_default_key" ON "user_aggregators" USING btree ("user_id") WHERE "is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "collective_members_collective_id_endpoint_id_key" ON "collective_members" USING btree ("collective_id","endpoint_id");--> statement-breakpoint
CREATE INDEX "collective_members_endpoint_id_idx" ON "collective_members" USING btree ("endpoint_id");--> statement-breakpoint
CREATE INDEX "collective_members_collective_id_status_idx" ON "collective_members" USING btree ("collective_id","status");--> statement-breakpoint
CREATE INDEX "collective_shared_endpoint_members_endpoint_id_idx" ON "collective_shared_endpoint_members" USING btree ("endpoint_id");--> statement-breakpoint
CREATE UNIQUE INDEX "collective_shared_endpoints_collective_id_slug_key" ON "collective_shared_endpoints" USING btree ("collective_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "collectives_slug_key" ON "collectives" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "collectives_owner_id_idx" ON "collectives" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "collectives_name_trgm_idx" ON "collectives" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "endpoint_stars_endpoint_id_idx" ON "endpoint_stars" USING btree ("endpoint_id");--> statement-breakpoint
CREATE INDEX "endpoint_uptime_samples_bucket_start_idx" ON "endpoint_uptime_samples" USING btree ("bucket_start");--> statement-breakpoint
CREATE UNIQUE INDEX "endpoints_user_id_slug_key" ON "endpoints" USING btree ("user_id","slug");--> statement-breakpoint
CREATE INDEX "endpoints_user_id_updated_at_idx" ON "endpoints" USING btree ("user_id","updated_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "endpoints_listing_idx" ON "endpoints" USING btree ("updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "visibility" = 'public' AND "is_active" AND NOT "archived";--> statement-breakpoint
CREATE INDEX "endpoints_trending_idx" ON "endpoints" USING btree ("stars_count" DESC NULLS FIRST,"updated_at" DESC NULLS FIRST) WHERE "visibility" = 'public' AND "is_active" AND NOT "archived";--> statement-breakpoint
CREATE INDEX "endpoints_type_idx" ON "endpoints" USING btree ("type");--> statement-breakpoint
CREATE INDEX "endpoints_search_vector_idx" ON "endpoints" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "endpoints_name_trgm_idx" ON "endpoints" USING gin (lower("name") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "endpoints_description_trgm_idx" ON "endpoints" USING gin ("description" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "error_logs_timestamp_idx" ON "error_logs" USING btree ("timestamp" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "error_logs_correlation_id_event_idx" ON "error_logs" USING btree ("correlation_id","event");--> statement-breakpoint
CREATE INDEX "error_logs_created_at_idx" ON "error_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "error_logs_service_idx" ON "error_logs" USING btree ("service");--> statement-breakpoint
CREATE INDEX "error_logs_event_idx" ON "error_logs" USING btree ("event");--> statement-breakpoint
CREATE INDEX "error_logs_user_id_idx" ON "error_logs" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "oauth_clients_registration_type_last_used_at_idx" ON "oauth_clients" USING btree ("registration_type","last_used_at");--> statement-breakpoint
CREATE INDEX "oauth_grants_user_id_revoked_at_idx" ON "oauth_grants" USING btree ("user_id","revoked_at");--> statement-breakpoint
CREATE INDEX "oauth_grants_client_id_idx" ON "oauth_grants" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "oauth_refresh_tokens_grant_id_idx" ON "oauth_refresh_tokens" USING btree ("grant_id");--> statement-breakpoint
CREATE INDEX "oauth_refresh_tokens_expires_at_idx" ON "oauth_refresh_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "otp_codes_email_purpose_idx" ON "otp_codes" USING btree ("email","purpose");--> statement-breakpoint
CREATE INDEX "otp_codes_email_purpose_used_at_idx" ON "otp_codes" USING btree ("email","purpose","used_at");--> statement-breakpoint
CREATE INDEX "otp_codes_requester_ip_created_at_idx" ON "otp_codes" USING btree ("requester_ip","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_tokens_user_id_is_active_idx" ON "api_tokens" USING btree ("user_id","is_active");--> statement-breakpoint
CREATE INDEX "api_tokens_expires_at_idx" ON "api_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_id_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_id_revoked_at_idx" ON "refresh_tokens" USING btree ("user_id","revoked_at");--> statement-breakpoint
CREATE INDEX "refresh_tokens_expires_at_idx" ON "refresh_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree ("username");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_role_idx" ON "users" USING btree ("role");--> statement-breakpoint
CREATE INDEX "users_is_active_idx" ON "users" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "users_last_login_at_idx" ON "users" USING btree ("last_login_at");--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "users" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "users_username_trgm_idx" ON "users" USING gin ("username" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_email_trgm_idx" ON "users" USING gin ("email" gin_trgm_ops);