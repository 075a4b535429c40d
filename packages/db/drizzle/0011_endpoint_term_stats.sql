CREATE TABLE "endpoint_term_stats" (
	"lexeme" text PRIMARY KEY NOT NULL,
	"share" double precision NOT NULL
);
