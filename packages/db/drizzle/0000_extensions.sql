-- pg_trgm backs the trigram indexes and similarity() / word_similarity() of search (backend-api §16).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
